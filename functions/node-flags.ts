/**
 * V8 flags the control plane runs with on Node, in one place: package.json's
 * `start` script and the tests that start the server as a process use these,
 * and a test keeps them in step.
 *
 * Why a 2 MiB semi-space: V8's default young generation lets an idle server
 * sit on garbage it has not needed to collect yet (about 150 MB RSS after
 * start on Postgres), which leaves no room in a 150 MB budget for refusing
 * uploads (issue 12). With 2 MiB it settles near 127 MB; the live heap is
 * small and requests allocate little, so the extra scavenges cost nothing
 * measurable.
 */
export const CONTROL_PLANE_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=2"];
