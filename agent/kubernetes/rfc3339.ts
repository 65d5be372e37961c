/** RFC 3339 in UTC with whole seconds, as Kubernetes writes metav1.Time and kubeadm a token's expiration. */
export function rfc3339Seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
