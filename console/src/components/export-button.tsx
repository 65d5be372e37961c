/** "Export NDJSON" for the current filters, with the API's error if the export is refused. */
import { DownloadOutlined } from "@ant-design/icons";
import { Button } from "antd";
import { useState } from "react";
import { downloadExport } from "../api/download.ts";
import { useNotifyError } from "../hooks/use-action.ts";

export function ExportButton({
  path,
  query,
  fileName,
}: {
  path: string;
  query: Record<string, string | undefined>;
  fileName: string;
}) {
  const [busy, setBusy] = useState(false);
  const notifyError = useNotifyError();
  const run = async () => {
    setBusy(true);
    try {
      await downloadExport(path, query, fileName);
    } catch (err) {
      notifyError(err, "Export");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button icon={<DownloadOutlined />} onClick={run} loading={busy}>
      Export NDJSON
    </Button>
  );
}
