/**
 * The signed-in session: the token (in session storage) and what it may do.
 * On a reload the stored token is checked again, so a revoked token signs out.
 */
import { useQueryClient } from "@tanstack/react-query";
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { ApiError } from "../api/api-error.ts";
import { identify } from "./identify.ts";
import type { Identity } from "./identity.ts";
import { clearToken, readToken, writeToken } from "./token-store.ts";

export interface Session {
  /** null: signed out (or still checking a stored token, see `checking`) */
  identity: Identity | null;
  checking: boolean;
  signIn(token: string): Promise<Identity>;
  signOut(): void;
}

const SessionContext = createContext<Session | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [identity, setIdentity] = useState<Identity | null>(null);
  const [checking, setChecking] = useState(() => readToken() !== null);

  const signOut = useCallback(() => {
    clearToken();
    setIdentity(null);
    queryClient.clear();
  }, [queryClient]);

  const signIn = useCallback(
    async (token: string) => {
      const found = await identify(token.trim());
      writeToken(token.trim());
      queryClient.clear();
      setIdentity(found);
      return found;
    },
    [queryClient],
  );

  useEffect(() => {
    const stored = readToken();
    if (!stored) return;
    identify(stored)
      .then(setIdentity)
      .catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 401) clearToken();
      })
      .finally(() => setChecking(false));
  }, []);

  const value = useMemo(
    () => ({ identity, checking, signIn, signOut }),
    [identity, checking, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside SessionProvider");
  return session;
}

/** The signed-in identity; only for views rendered behind the sign-in gate. */
export function useIdentity(): Identity {
  const { identity } = useSession();
  if (!identity) throw new Error("useIdentity while signed out");
  return identity;
}
