import { Button, Result } from "antd";
import { Link } from "react-router-dom";

export function NotFound() {
  return (
    <Result
      status="404"
      title="No such page"
      extra={
        <Link to="/">
          <Button type="primary">Back to the overview</Button>
        </Link>
      }
    />
  );
}
