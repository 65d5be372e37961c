/**
 * Role-aware rendering. <IfRole> hides what the token may not do (a viewer sees no
 * mutating buttons); <RequireRole> guards a whole page reached by URL with a clear message.
 */
import { Result } from "antd";
import type { ReactNode } from "react";
import { hasRole, type Role } from "../auth/identity.ts";
import { useSession } from "../auth/session.tsx";

export function useHasRole(minimum: Role): boolean {
  return hasRole(useSession().identity, minimum);
}

export function IfRole({ minimum, children }: { minimum: Role; children: ReactNode }) {
  return useHasRole(minimum) ? children : null;
}

export function RequireRole({
  minimum,
  what,
  children,
}: {
  minimum: Role;
  what: string;
  children: ReactNode;
}) {
  const { identity } = useSession();
  if (hasRole(identity, minimum)) return children;
  return (
    <Result
      status="403"
      title={`${what} needs the ${minimum} role`}
      subTitle={`You are signed in with a ${identity?.role ?? "missing"} token, which cannot do this. Sign in with an ${minimum} token to continue.`}
    />
  );
}
