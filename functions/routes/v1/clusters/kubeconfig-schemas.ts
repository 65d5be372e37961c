/** Request schemas of the kubeconfig import (POST /v1/clusters, PUT …/kubeconfig). */
import { z } from "@hono/zod-openapi";
import { MAX_KUBECONFIG_INPUT_CHARS } from "../../../lib/kubeconfig/input-text.ts";
import { CLUSTER_ACCESS_MODES } from "../../../services/clusters/create-cluster.ts";

export const KubeconfigInputSchema = z
  .string()
  .min(1)
  .max(MAX_KUBECONFIG_INPUT_CHARS)
  .openapi({
    description:
      "A kubeconfig as YAML, or the base64 of it, with one usable context (the current one when there are several) " +
      "and inline credentials: a token, client-certificate-data with client-key-data, or username with password. " +
      "exec and auth-provider plugins and file paths are refused; `kubectl config view --raw --flatten --minify` " +
      "makes a self-contained one. Stored encrypted, never returned.",
    format: "password",
  });

export const ClusterAccessModeSchema = z.enum(CLUSTER_ACCESS_MODES).openapi({
  description:
    "agent (the default): issue a registration token for the in-cluster agent (a kubeconfig may come along for status checks); " +
    "kubeconfig: only the imported kubeconfig, no registration token (rotate one later to add an agent)",
});
