/** The console's entry: providers (queries, Ant Design, session) around the router. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { ApiError } from "./api/api-error.ts";
import { SessionProvider } from "./auth/session.tsx";
import { ConsoleRoutes } from "./routes.tsx";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // a refusal or a missing resource will not change by asking again
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 10_000,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <ConfigProvider theme={{ token: { colorPrimary: "#2f54eb" } }}>
        <AntApp>
          <SessionProvider>
            <BrowserRouter basename="/ui">
              <ConsoleRoutes />
            </BrowserRouter>
          </SessionProvider>
        </AntApp>
      </ConfigProvider>
    </QueryClientProvider>
  </StrictMode>,
);
