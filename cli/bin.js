#!/usr/bin/env node
// The package's `ksp` executable: registers tsx's loader, then runs the TypeScript entry point.
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
