/**
 * Import machines: paste or upload JSON, CSV or YAML; a dry run shows what would happen
 * row by row (errors included, nothing written); applying sends the same body, with
 * upload progress. Operators only: a viewer reaching the page is told so.
 */
import { UploadOutlined } from "@ant-design/icons";
import {
  Button,
  Card,
  Checkbox,
  Form,
  Input,
  Progress,
  Radio,
  Select,
  Space,
  Typography,
  Upload,
} from "antd";
import { useState } from "react";
import type { ApiError } from "../api/api-error.ts";
import { toApiError } from "../api/api-error.ts";
import type { ImportReport } from "../api/types.ts";
import { type UploadProgress, uploadWithProgress } from "../api/upload.ts";
import { ErrorAlert } from "../components/error-alert.tsx";
import { RequireRole } from "../components/role-gate.tsx";
import { useClusters } from "../hooks/use-clusters.ts";
import { usePools } from "../hooks/use-pools.ts";
import { ImportReportView } from "./import-report.tsx";

type Format = "json" | "csv" | "yaml";
const CONTENT_TYPES: Record<Format, string> = {
  json: "application/json",
  csv: "text/csv",
  yaml: "application/yaml",
};

interface Options {
  mode: "all-or-nothing" | "best-effort";
  overwrite: boolean;
  clusterId?: string;
  poolId?: string;
}

function formatOfName(name: string): Format | null {
  const ext = name.toLowerCase().split(".").pop();
  if (ext === "json") return "json";
  if (ext === "csv") return "csv";
  if (ext === "yaml" || ext === "yml") return "yaml";
  return null;
}

function reportOf(body: unknown): ImportReport | null {
  const b = body as { report?: ImportReport; results?: unknown } | null;
  if (b?.report) return b.report;
  return b && Array.isArray(b.results) ? (body as ImportReport) : null;
}

function importUrl(dryRun: boolean, o: Options): string {
  const q = new URLSearchParams({ dryRun: String(dryRun), mode: o.mode, overwrite: String(o.overwrite) });
  if (o.clusterId && o.poolId) {
    q.set("clusterId", o.clusterId);
    q.set("poolId", o.poolId);
  }
  return `/v1/machines/import?${q}`;
}

function ImportForm() {
  const [text, setText] = useState("");
  const [format, setFormat] = useState<Format>("csv");
  const [options, setOptions] = useState<Options>({ mode: "all-or-nothing", overwrite: false });
  const [report, setReport] = useState<ImportReport | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const [checked, setChecked] = useState<string | null>(null);
  const clusters = useClusters();
  const pools = usePools(options.clusterId);

  const run = async (dryRun: boolean) => {
    setError(null);
    setReport(null);
    setProgress({ phase: "uploading", sent: 0 });
    try {
      const result = await uploadWithProgress(
        importUrl(dryRun, options),
        text,
        CONTENT_TYPES[format],
        setProgress,
      );
      setReport(reportOf(result.body));
      setError(result.error);
      if (dryRun && !result.error) setChecked(text);
    } catch (err) {
      setError(toApiError(err));
    } finally {
      setProgress(null);
    }
  };

  const canApply = checked === text && text.trim() !== "" && report?.dryRun === true;
  return (
    <Space orientation="vertical" size={16} style={{ width: "100%" }}>
      <Card title="Machines to import">
        <Space wrap style={{ marginBottom: 12 }}>
          <Radio.Group
            aria-label="Format"
            value={format}
            onChange={(e) => setFormat(e.target.value)}
            options={[
              { value: "csv", label: "CSV" },
              { value: "json", label: "JSON" },
              { value: "yaml", label: "YAML" },
            ]}
            optionType="button"
          />
          <Upload
            accept=".csv,.json,.yaml,.yml"
            showUploadList={false}
            beforeUpload={async (file) => {
              setText(await file.text());
              setFormat(formatOfName(file.name) ?? format);
              return false;
            }}
          >
            <Button icon={<UploadOutlined />}>Choose a file</Button>
          </Upload>
        </Space>
        <Input.TextArea
          aria-label="Import data"
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={10}
          placeholder={"hostname,ip,cpuCores,memoryBytes\nnode-1.example.net,10.0.0.1,32,137438953472"}
          style={{ fontFamily: "monospace" }}
        />
        <Form layout="inline" style={{ marginTop: 12, rowGap: 8 }}>
          <Form.Item label="Mode">
            <Select
              value={options.mode}
              style={{ width: 160 }}
              onChange={(mode) => setOptions({ ...options, mode })}
              options={[
                { value: "all-or-nothing", label: "all or nothing" },
                { value: "best-effort", label: "best effort" },
              ]}
            />
          </Form.Item>
          <Form.Item>
            <Checkbox
              checked={options.overwrite}
              onChange={(e) => setOptions({ ...options, overwrite: e.target.checked })}
            >
              Update machines whose IP exists
            </Checkbox>
          </Form.Item>
          <Form.Item label="Into pool">
            <Space>
              <Select
                aria-label="Import cluster"
                allowClear
                placeholder="cluster (optional)"
                style={{ width: 170 }}
                value={options.clusterId}
                onChange={(clusterId) => setOptions({ ...options, clusterId, poolId: undefined })}
                options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
              />
              <Select
                aria-label="Import pool"
                allowClear
                placeholder="pool"
                disabled={!options.clusterId}
                style={{ width: 170 }}
                value={options.poolId}
                onChange={(poolId) => setOptions({ ...options, poolId })}
                options={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              />
            </Space>
          </Form.Item>
        </Form>
        <Space style={{ marginTop: 16 }}>
          <Button
            onClick={() => run(true)}
            disabled={!text.trim() || progress !== null}
            loading={progress !== null}
          >
            Dry run
          </Button>
          <Button type="primary" onClick={() => run(false)} disabled={!canApply || progress !== null}>
            Apply import
          </Button>
          {!canApply ? (
            <Typography.Text type="secondary">
              Apply is enabled after a dry run of the current text.
            </Typography.Text>
          ) : null}
        </Space>
        {progress ? (
          <div style={{ marginTop: 16 }}>
            <Typography.Text>
              {progress.phase === "uploading"
                ? "Uploading…"
                : "The control plane is checking and writing the rows…"}
            </Typography.Text>
            <Progress percent={Math.round(progress.sent * 100)} status="active" />
          </div>
        ) : null}
      </Card>
      {error ? <ErrorAlert error={error} /> : null}
      {report ? (
        <Card title="Report">
          <ImportReportView report={report} />
        </Card>
      ) : null}
    </Space>
  );
}

export function ImportView() {
  return (
    <>
      <Typography.Title level={3}>Import machines</Typography.Title>
      <RequireRole minimum="operator" what="Importing machines">
        <ImportForm />
      </RequireRole>
    </>
  );
}
