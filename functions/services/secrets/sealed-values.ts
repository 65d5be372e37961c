/**
 * Every column that holds an envelope (lib/crypto), with the associated data
 * each value is sealed to. Writers, readers and the rotation job all take
 * the associated data from here, so a value can never be sealed under one
 * spelling and opened under another.
 */
import { clusterKubeconfigs } from "../../../drizzle/schema/cluster-kubeconfigs.ts";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";

/** The associated data of an SSH key's secret: the row's id, prefixed by its table. */
export const sshKeySecretAad = (sshKeyId: string) => `ssh_keys:${sshKeyId}`;

/** The associated data of a cluster's kubeconfig: the cluster's id, prefixed by the table. */
export const kubeconfigAad = (clusterId: string) => `cluster_kubeconfigs:${clusterId}`;

/** The sealed columns, for the rotation job and the start-up check of key ids. */
export const SEALED_VALUES = [
  {
    name: "ssh_keys",
    table: sshKeys,
    id: sshKeys.id,
    ciphertext: sshKeys.secretCiphertext,
    keyId: sshKeys.encryptionKeyId,
    aad: sshKeySecretAad,
  },
  {
    name: "cluster_kubeconfigs",
    table: clusterKubeconfigs,
    id: clusterKubeconfigs.clusterId,
    ciphertext: clusterKubeconfigs.ciphertext,
    keyId: clusterKubeconfigs.encryptionKeyId,
    aad: kubeconfigAad,
  },
] as const;
