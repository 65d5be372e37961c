/**
 * The load generator of `npm run bench -- grpc`, in a worker thread so it
 * does not share an event loop with the server under test.
 *
 * It speaks gRPC over one HTTP/2 connection (node:http2) with messages
 * encoded and decoded by the CA emulator's reference-proto definitions and
 * CA's 5 s `grpc-timeout` on every call. Why not a grpc-js client: its
 * per-call cost is about the same as a grpc-js server's, so it would be the
 * bottleneck for both sides and squeeze every ratio towards 1; CA's Go client
 * is much leaner, which this stands in for. Every answer is decoded and
 * checked (right group, right size), so a fast wrong server cannot win.
 *
 * One message in (LoadRequest), one out ({figures} or {error}).
 */
import http2 from "node:http2";
import { parentPort, workerData } from "node:worker_threads";
import type { MethodDefinition } from "@grpc/grpc-js";
import { CA_SERVICE_NAME, caServiceConstructor } from "../test/support/reference-protos.ts";

export interface LoadRequest {
  address: string;
  rpc: "NodeGroupForNode" | "NodeGroupTargetSize";
  calls: number;
  concurrency: number;
}

export interface LoadData {
  /** every node, with the group CA must be told */
  nodes: { providerID: string; name: string; group: string }[];
  /** every group, with its target size */
  groups: { id: string; targetSize: number }[];
}

export interface Figures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** gRPC's length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length, the bytes. */
function frame(message: Buffer): Buffer {
  const framed = Buffer.alloc(5 + message.length);
  framed.writeUInt32BE(message.length, 1);
  message.copy(framed, 5);
  return framed;
}

const { nodes, groups } = workerData as LoadData;
// biome-ignore lint/suspicious/noExplicitAny: proto-loader message objects.
const method = (name: string) => caServiceConstructor("current").service[name] as MethodDefinition<any, any>;
const forNode = method("NodeGroupForNode");
const targetSize = method("NodeGroupTargetSize");
const forNodeFrames = nodes.map((n) =>
  frame(
    forNode.requestSerialize({
      node: { providerID: n.providerID, name: n.name, labels: {}, annotations: {} },
    }),
  ),
);
const targetSizeFrames = groups.map((g) => frame(targetSize.requestSerialize({ id: g.id })));
const sessions = new Map<string, http2.ClientHttp2Session>();

function unary(session: http2.ClientHttp2Session, path: string, body: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ":method": "POST",
      ":path": path,
      "content-type": "application/grpc",
      te: "trailers",
      "grpc-timeout": "5S",
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("trailers", (trailers) => {
      grpcStatus = String(trailers["grpc-status"]);
    });
    stream.on("response", (headers) => {
      // a Trailers-Only answer (an error) carries grpc-status in the headers
      if (headers["grpc-status"] !== undefined) grpcStatus = String(headers["grpc-status"]);
    });
    stream.on("error", reject);
    stream.on("end", () => {
      if (grpcStatus !== "0") reject(new Error(`${path}: grpc-status ${grpcStatus}`));
      else resolve(Buffer.concat(chunks).subarray(5));
    });
    stream.end(body);
  });
}

async function run(request: LoadRequest): Promise<Figures> {
  let session = sessions.get(request.address);
  if (!session) {
    session = http2.connect(`http://${request.address}`);
    sessions.set(request.address, session);
  }
  const s = session;
  const call =
    request.rpc === "NodeGroupForNode"
      ? async (n: number) => {
          // a stride coprime with the node count walks every node in an order no cache predicts
          const i = (n * 7919) % nodes.length;
          const reply = forNode.responseDeserialize(await unary(s, forNode.path, forNodeFrames[i]!));
          if (reply.nodeGroup?.id !== nodes[i]!.group) throw new Error(`wrong group for ${nodes[i]!.name}`);
        }
      : async (n: number) => {
          const i = n % groups.length;
          const reply = targetSize.responseDeserialize(await unary(s, targetSize.path, targetSizeFrames[i]!));
          if (reply.targetSize !== groups[i]!.targetSize) throw new Error(`wrong size for ${groups[i]!.id}`);
        };
  let next = 0;
  const times: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: request.concurrency }, async () => {
      while (next < request.calls) {
        const n = next++;
        const t = performance.now();
        await call(n);
        times.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { perSecond: request.calls / seconds, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) };
}

if (!forNode.path.startsWith(`/${CA_SERVICE_NAME}/`))
  throw new Error(`unexpected method path ${forNode.path}`);

parentPort!.on("message", (request: LoadRequest | "close") => {
  if (request === "close") {
    for (const session of sessions.values()) session.close();
    parentPort!.close();
    return;
  }
  run(request).then(
    (figures) => parentPort!.postMessage({ figures }),
    (err: unknown) => parentPort!.postMessage({ error: String(err) }),
  );
});
