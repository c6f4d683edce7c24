#!/usr/bin/env node
// The untangle CLI. The framework is TypeScript; tsx compiles it on the fly (cached), so there is
// no build step between editing a component and running it.
import { register } from 'tsx/esm/api';

register();
// The composition root: the framework's CLI gets the components from registry.ts here, so that
// framework/ itself never imports components/ (test/import-direction.test.ts).
const { main } = await import('../framework/cli/main.ts');
const { createRegistry } = await import('../registry.ts');
process.exitCode = await main(process.argv.slice(2), createRegistry);
