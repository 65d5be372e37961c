/**
 * The agent's settings: one row per setting, naming its flag, its environment
 * variable and its default. The parser, the help text and the error labels are
 * all derived from this table, so they cannot drift apart.
 */
export type FieldKey =
  | "controlPlaneUrl"
  | "cluster"
  | "registrationToken"
  | "registrationTokenFile"
  | "credentialFile"
  | "credentialSecret"
  | "grpcListen"
  | "grpcTlsCert"
  | "grpcTlsKey"
  | "grpcTlsClientCa"
  | "healthListen"
  | "syncInterval"
  | "syncMaxInterval"
  | "snapshotInterval"
  | "leaseName"
  | "leaseNamespace"
  | "leaseDuration"
  | "leaseRenewDeadline"
  | "leaseRetryPeriod"
  | "podName"
  | "sshKeyDir"
  | "logLevel"
  | "kubeconfig"
  | "gpuLabel"
  | "apiServerEndpoint"
  | "caCertHash"
  | "sshHostKeyPolicy"
  | "sshConcurrency"
  | "bootstrapTokenTtl"
  | "shutdownGracePeriod";

export interface FieldSpec {
  key: FieldKey;
  /** Without the leading "--". Absent for secrets, which must not appear in `ps` output. */
  flag?: string;
  env: string;
  /** Shown in the help as the value placeholder. */
  value: string;
  default?: string;
  required?: boolean;
  help: string;
}

export const AGENT_FIELDS: readonly FieldSpec[] = [
  {
    key: "controlPlaneUrl",
    flag: "control-plane-url",
    env: "KSP_CONTROL_PLANE_URL",
    value: "URL",
    required: true,
    help: "Base URL of the ksp control plane (http or https).",
  },
  {
    key: "cluster",
    flag: "cluster",
    env: "KSP_CLUSTER",
    value: "NAME",
    required: true,
    help: "Name of this cluster in the control plane (DNS-1123 label).",
  },
  {
    key: "registrationTokenFile",
    flag: "registration-token-file",
    env: "KSP_REGISTRATION_TOKEN_FILE",
    value: "PATH",
    help: "File holding the one-time registration token (preferred over the env variable).",
  },
  {
    key: "registrationToken",
    env: "KSP_REGISTRATION_TOKEN",
    value: "TOKEN",
    help: "One-time registration token (environment only; never pass secrets as flags).",
  },
  {
    key: "credentialFile",
    flag: "credential-file",
    env: "KSP_AGENT_CREDENTIAL_FILE",
    value: "PATH",
    default: "/var/run/ksp/credential",
    help: "Where the agent credential obtained at registration is persisted.",
  },
  {
    key: "credentialSecret",
    flag: "credential-secret",
    env: "KSP_AGENT_CREDENTIAL_SECRET",
    value: "NAME",
    help: "Kubernetes Secret in --lease-namespace that keeps the agent credential instead of --credential-file (in a cluster, where files do not survive the pod); needs get and update on it.",
  },
  {
    key: "grpcListen",
    flag: "grpc-listen",
    env: "KSP_GRPC_LISTEN",
    value: "HOST:PORT",
    default: "0.0.0.0:8086",
    help: "Address of the externalgrpc CloudProvider server for Cluster Autoscaler.",
  },
  {
    key: "grpcTlsCert",
    flag: "grpc-tls-cert",
    env: "KSP_GRPC_TLS_CERT",
    value: "PATH",
    help: "PEM server certificate for the gRPC server (needs --grpc-tls-key).",
  },
  {
    key: "grpcTlsKey",
    flag: "grpc-tls-key",
    env: "KSP_GRPC_TLS_KEY",
    value: "PATH",
    help: "PEM private key for the gRPC server (needs --grpc-tls-cert).",
  },
  {
    key: "grpcTlsClientCa",
    flag: "grpc-tls-client-ca",
    env: "KSP_GRPC_TLS_CLIENT_CA",
    value: "PATH",
    help: "PEM CA bundle; when set, clients must present a certificate it signed (mTLS).",
  },
  {
    key: "healthListen",
    flag: "health-listen",
    env: "KSP_HEALTH_LISTEN",
    value: "HOST:PORT",
    default: "0.0.0.0:8087",
    help: "Address of the /healthz and /readyz HTTP server.",
  },
  {
    key: "syncInterval",
    flag: "sync-interval",
    env: "KSP_SYNC_INTERVAL",
    value: "DURATION",
    default: "5s",
    help: "How often cluster state is polled from the control plane (at least 1s).",
  },
  {
    key: "syncMaxInterval",
    flag: "sync-max-interval",
    env: "KSP_SYNC_MAX_INTERVAL",
    value: "DURATION",
    default: "60s",
    help: "Longest poll interval while the state is unchanged: each 304 in a row doubles the interval from --sync-interval up to this; any change, scale request or local event resets it. An operator's change reaches an idle agent within this. Equal to --sync-interval: no backoff.",
  },
  {
    key: "snapshotInterval",
    flag: "snapshot-interval",
    env: "KSP_SNAPSHOT_INTERVAL",
    value: "DURATION",
    default: "5m",
    help: "How often the leader pushes the cluster's and each pool's capacity, allocatable, requested and used CPU and memory to the control plane (10s to 1h).",
  },
  {
    key: "leaseName",
    flag: "lease-name",
    env: "KSP_LEASE_NAME",
    value: "NAME",
    default: "ksp-agent",
    help: "Name of the coordination.k8s.io Lease used for leader election.",
  },
  {
    key: "leaseNamespace",
    flag: "lease-namespace",
    env: "KSP_LEASE_NAMESPACE",
    value: "NAMESPACE",
    default: "kube-system",
    help: "Namespace of the leader-election Lease.",
  },
  {
    key: "leaseDuration",
    flag: "lease-duration",
    env: "KSP_LEASE_DURATION",
    value: "DURATION",
    default: "15s",
    help: "How long a standby waits, after it last saw the Lease renewed, before it takes over (whole seconds; longer than --lease-renew-deadline).",
  },
  {
    key: "leaseRenewDeadline",
    flag: "lease-renew-deadline",
    env: "KSP_LEASE_RENEW_DEADLINE",
    value: "DURATION",
    default: "10s",
    help: "The leader stops acting when it could not renew the Lease for this long (longer than --lease-retry-period).",
  },
  {
    key: "leaseRetryPeriod",
    flag: "lease-retry-period",
    env: "KSP_LEASE_RETRY_PERIOD",
    value: "DURATION",
    default: "2s",
    help: "How often the leader renews the Lease and a standby tries to take it.",
  },
  {
    key: "podName",
    flag: "pod-name",
    env: "KSP_POD_NAME",
    value: "NAME",
    help: "Leader-election identity of this replica (default: the hostname).",
  },
  {
    key: "sshKeyDir",
    flag: "ssh-key-dir",
    env: "KSP_SSH_KEY_DIR",
    value: "DIR",
    help: "Directory with the SSH private keys used to join and remove machines, one file per keyRef (`default` for machines without one). A file here wins; without one, the control plane's stored key of that name is fetched (only for machines allocated to this cluster, kept in memory only).",
  },
  {
    key: "sshHostKeyPolicy",
    flag: "ssh-host-key-policy",
    env: "KSP_SSH_HOST_KEY_POLICY",
    value: "POLICY",
    default: "pin-on-first-use",
    help: "pin-on-first-use: a machine without a pinned host key gets the key it presents first, stored in the control plane; require-known: such a machine is refused. A key that differs from the pinned one is always refused.",
  },
  {
    key: "sshConcurrency",
    flag: "ssh-concurrency",
    env: "KSP_SSH_CONCURRENCY",
    value: "N",
    default: "20",
    help: "At most this many machines are worked on over SSH at once, all pools together (each pool also caps its own joins and removals).",
  },
  {
    key: "apiServerEndpoint",
    flag: "api-server-endpoint",
    env: "KSP_API_SERVER_ENDPOINT",
    value: "HOST:PORT",
    help: "API server address machines join (kubeadm's apiServerEndpoint). Default: the server in kube-public/cluster-info.",
  },
  {
    key: "caCertHash",
    flag: "ca-cert-hash",
    env: "KSP_CA_CERT_HASH",
    value: "sha256:HEX",
    help: "Hash of the cluster CA's public key that joining machines pin (kubeadm's caCertHashes). Default: computed from kube-public/cluster-info.",
  },
  {
    key: "bootstrapTokenTtl",
    flag: "bootstrap-token-ttl",
    env: "KSP_BOOTSTRAP_TOKEN_TTL",
    value: "DURATION",
    default: "1h",
    help: "Lifetime of the bootstrap token made for each join batch (deleted as soon as the batch ends; the TTL bounds a crash).",
  },
  {
    key: "shutdownGracePeriod",
    flag: "shutdown-grace-period",
    env: "KSP_SHUTDOWN_GRACE_PERIOD",
    value: "DURATION",
    default: "20s",
    help: "On SIGTERM, how long joins and removals in flight may run on before they are aborted (the next leader resumes them); keep it below the pod's terminationGracePeriodSeconds.",
  },
  {
    key: "logLevel",
    flag: "log-level",
    env: "KSP_LOG_LEVEL",
    value: "LEVEL",
    default: "info",
    help: "One of debug, info, warn, error.",
  },
  {
    key: "kubeconfig",
    flag: "kubeconfig",
    env: "KSP_KUBECONFIG",
    value: "PATH",
    help: "Kubeconfig file (default: the in-cluster service account).",
  },
  {
    key: "gpuLabel",
    flag: "gpu-label",
    env: "KSP_GPU_LABEL",
    value: "LABEL",
    default: "nvidia.com/gpu.product",
    help: "Node label that carries the GPU type; Cluster Autoscaler uses it to recognise GPU nodes.",
  },
];

export function fieldSpec(key: FieldKey): FieldSpec {
  return AGENT_FIELDS.find((field) => field.key === key)!;
}
