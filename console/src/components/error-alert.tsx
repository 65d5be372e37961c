/** An API failure as the user sees it: the API's message, its code and the request id to quote. */
import { Alert, Typography } from "antd";
import { toApiError } from "../api/api-error.ts";

export function ErrorAlert({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const err = toApiError(error);
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={title ?? err.message}
      description={
        <>
          {title ? <div>{err.message}</div> : null}
          <Typography.Text type="secondary">
            {err.status ? `HTTP ${err.status} ${err.code}` : err.code}
            {err.requestId ? (
              <>
                {" · request id "}
                <Typography.Text code copyable>
                  {err.requestId}
                </Typography.Text>
              </>
            ) : null}
          </Typography.Text>
        </>
      }
    />
  );
}
