/**
 * A mutating call with the console's feedback: a success message, or a notification
 * with the API's message and request id (a 403 included), and the queries it affects
 * refreshed afterwards.
 */
import { type QueryKey, useMutation, useQueryClient } from "@tanstack/react-query";
import { App } from "antd";
import { toApiError } from "../api/api-error.ts";

export function useNotifyError() {
  const { notification } = App.useApp();
  return (err: unknown, what: string) => {
    const e = toApiError(err);
    notification.error({
      title: `${what} failed`,
      description: `${e.message}${e.requestId ? ` (request id ${e.requestId})` : ""}`,
      duration: 8,
    });
  };
}

export function useAction<TInput, TResult>(options: {
  what: string;
  run: (input: TInput) => Promise<TResult>;
  invalidate?: QueryKey[];
  success?: (result: TResult) => string | null;
}) {
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const notifyError = useNotifyError();
  return useMutation({
    mutationFn: options.run,
    onSuccess: async (result) => {
      const text = options.success ? options.success(result) : `${options.what}: done`;
      if (text) message.success(text);
      await Promise.all(
        (options.invalidate ?? []).map((queryKey) => queryClient.invalidateQueries({ queryKey })),
      );
    },
    onError: (err) => notifyError(err, options.what),
  });
}
