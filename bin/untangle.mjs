#!/usr/bin/env node
// The untangle CLI. The framework is TypeScript; tsx compiles it on the fly (cached), so there is
// no build step between editing a component and running it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../framework/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
