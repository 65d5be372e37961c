/** A since/until picker for filters; values go to the API as ISO timestamps. */
import { DatePicker } from "antd";

export interface TimeRange {
  since?: string;
  until?: string;
}

/** Used inside a Form.Item, which passes onChange; the picker keeps its own display state. */
export function TimeRangePicker({ onChange }: { onChange?: (v: TimeRange) => void }) {
  return (
    <DatePicker.RangePicker
      aria-label="Time range"
      showTime
      allowEmpty={[true, true]}
      placeholder={["since", "until"]}
      onChange={(dates) =>
        onChange?.({
          since: dates?.[0]?.toISOString() ?? undefined,
          until: dates?.[1]?.toISOString() ?? undefined,
        })
      }
    />
  );
}
