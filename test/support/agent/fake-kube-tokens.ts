/**
 * The bootstrap-token half of FakeKube (fake-kube.ts): tokens in memory with
 * the real adapter's rules: the same id/secret alphabet and lengths, whole-
 * second expiry from the injected clock, delete tolerant of a missing token
 * and refusing anything that is not a token id, deleteExpired and
 * deleteOrphaned touching only the tokens the agent made.
 */
import {
  randomTokenString,
  TOKEN_ID,
  tokenCreator,
  tokenDescription,
} from "../../../agent/kubernetes/bootstrap-token-secret.ts";
import { KubeError } from "../../../agent/kubernetes/kube-error.ts";
import type { BootstrapToken, BootstrapTokens } from "../../../agent/kubernetes/types.ts";
import type { Clock } from "../../../shared/clock.ts";
import type { Gate } from "./fake-kube-nodes.ts";

export interface FakeToken extends BootstrapToken {
  description: string;
  /** made through create(); false for tokens seeded as an operator's */
  managed: boolean;
}

export class FakeBootstrapTokens implements BootstrapTokens {
  constructor(
    private readonly clock: Clock,
    private readonly identity: string,
    private readonly gate: Gate,
    /** shared by the views of other identities (as the real Secrets are) */
    readonly all = new Map<string, FakeToken>(),
  ) {}

  /** The same tokens as another replica (identity) sees and makes them. */
  as(identity: string): FakeBootstrapTokens {
    return new FakeBootstrapTokens(this.clock, identity, this.gate, this.all);
  }

  async create(options: { description: string; ttlMs: number }): Promise<BootstrapToken> {
    this.gate("createToken", [options]);
    if (!(options.ttlMs >= 1000)) throw new KubeError("a bootstrap token needs a TTL of at least one second");
    const expiresAt = new Date(Math.floor((this.clock.now().getTime() + options.ttlMs) / 1000) * 1000);
    let id = randomTokenString(6);
    while (this.all.has(id)) id = randomTokenString(6);
    const secret = randomTokenString(16);
    const token: BootstrapToken = { id, secret, token: `${id}.${secret}`, expiresAt };
    this.all.set(id, {
      ...token,
      description: tokenDescription(this.identity, options.description),
      managed: true,
    });
    return token;
  }

  async delete(id: string): Promise<void> {
    this.gate("deleteToken", [id]);
    if (!TOKEN_ID.test(id)) throw new KubeError("delete bootstrap token: not a token id (6 of [a-z0-9])");
    this.all.delete(id);
  }

  async deleteExpired(): Promise<number> {
    this.gate("deleteExpired", []);
    const now = this.clock.now().getTime();
    let deleted = 0;
    for (const [id, token] of this.all) {
      if (token.managed && token.expiresAt.getTime() <= now) {
        this.all.delete(id);
        deleted += 1;
      }
    }
    return deleted;
  }

  async deleteOrphaned(keepIds: ReadonlySet<string>): Promise<number> {
    this.gate("deleteOrphaned", [[...keepIds].sort()]);
    let deleted = 0;
    for (const [id, token] of this.all) {
      const creator = tokenCreator(token.description);
      if (token.managed && creator !== null && !keepIds.has(id)) {
        this.all.delete(id);
        deleted += 1;
      }
    }
    return deleted;
  }

  /** Tokens that exist and have not expired by the clock. */
  live(): FakeToken[] {
    const now = this.clock.now().getTime();
    return [...this.all.values()].filter((t) => t.expiresAt.getTime() > now);
  }
}
