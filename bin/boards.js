#!/usr/bin/env node
// The `boards` command: runs src/cli/main.ts from the build when it is current, else from the
// sources through tsx (see projectModule.js).
import { importProjectModule } from "./projectModule.js";

const { main } = await importProjectModule("cli/main");
await main(process.argv);
