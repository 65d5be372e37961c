/** Previous / next over keyset pages, with a page-size choice; there is no total to jump to. */
import { Button, Select, Space, Typography } from "antd";
import type { CursorPages } from "../hooks/use-cursor-pages.ts";

export function CursorPager({
  pages,
  nextCursor,
  shown,
  sizes = [50, 100, 200, 500],
}: {
  pages: CursorPages;
  nextCursor: string | null | undefined;
  shown: number;
  sizes?: number[];
}) {
  const start = pages.pageIndex * pages.pageSize;
  return (
    <Space wrap>
      <Typography.Text type="secondary">
        {shown === 0 ? "no rows" : `rows ${start + 1}–${start + shown}`}
      </Typography.Text>
      <Button onClick={pages.first} disabled={pages.pageIndex === 0}>
        First
      </Button>
      <Button onClick={pages.previous} disabled={pages.pageIndex === 0}>
        Previous
      </Button>
      <Button onClick={() => nextCursor && pages.next(nextCursor)} disabled={!nextCursor}>
        Next
      </Button>
      <Select
        aria-label="Page size"
        value={pages.pageSize}
        onChange={pages.setPageSize}
        options={sizes.map((s) => ({ value: s, label: `${s} / page` }))}
        style={{ width: 130 }}
      />
    </Space>
  );
}
