/**
 * The stand-in cluster's CA certificate, as kube-public/cluster-info carries
 * it. Generated once with the openssl CLI (RSA 2048, CN=kubernetes, CA:TRUE,
 * valid 2024-2124) like kubeadm's ca.crt; its private key was thrown away,
 * since nothing here signs with it: joining nodes only pin its public key.
 */
import { createHash, X509Certificate } from "node:crypto";

export const CLUSTER_CA_PEM = `
-----BEGIN CERTIFICATE-----
MIIC6jCCAdKgAwIBAgICEAAwDQYJKoZIhvcNAQELBQAwFTETMBEGA1UEAwwKa3Vi
ZXJuZXRlczAgFw0yNDAxMDEwMDAwMDBaGA8yMTI0MDEwMTAwMDAwMFowFTETMBEG
A1UEAwwKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEB
ALK2V7gGHWVjz38vKXkHN8dwW9jLgG6x21dmRv2Te3xwA1pAvPi5SOHW+1sIWqWo
Y+iT6tvKvpAJVO2G1MT48fxvHCX7YwqP5Gq9BgSiJzWX9sdBP5FITddXiTcsPFEk
x/UOipKnH/tov3LwtBT0dMcBj9pR87eWiBh/OyxTjaIolZJJb3Xq1flcAo/qnbpe
0nFLKZQKtkaHKGNegIgNqZBiujI1bziZl4Q+UqeWvM7PMG4NSn35Hk9iseMNUyDm
DM0Ln3NC8NRi2MQ4QE4JkFXY2jdo6oqDmYx3QiU9m1AC0+Ke0oRLxhvW2ftQnkm5
4ZK0rsJ71eMjpdk3WvN73NMCAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAqQwHQYDVR0OBBYEFFJEOKS2eZs8GKtv4EaYkL6s5YxfMA0GCSqG
SIb3DQEBCwUAA4IBAQBei5U9FoPwx3MBrzTp5pjMK04TRMoYW656kjZYvyckPz2u
sxaQkNPklSxTIAy4ELMM/uiVU3bW+RNqbyvQrJlO0ieQZY2oOj9Qnk4VF9Z7K68v
cO8eCDgU019nXSUr+ZZViI5gU3/sAk6/dDTvqJIrZOBN9S1bpcSLi0ygZnXcATYd
VjA/5E1apfBs90DD49JJQcbccYE9jj6EMGbpwEwFnT37MRJUPwQH+oQ4w7dBxOh7
0KsJWk443GWkFyf1svthn21MNYw7AL/TI3wMKh/8fSJaPcZiMrCEp2HANAo/wDmc
ZqgIS0q8xrXQW8GNRR52wZpwEzPw7vLHdSDdyuyU
-----END CERTIFICATE-----
`.trimStart();

/** kubeadm's discovery pin (`--discovery-token-ca-cert-hash`): SHA-256 of the DER SubjectPublicKeyInfo. */
export function caCertHash(pem: string): string {
  const spki = new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" });
  return `sha256:${createHash("sha256").update(spki).digest("hex")}`;
}

export const CLUSTER_CA_CERT_HASH = caCertHash(CLUSTER_CA_PEM);
