/**
 * A stand-in control plane for the adoption test: opens a LocalRuntime on argv[2], ensures the
 * spec in argv[3] (JSON), waits until ready, prints the instances as one JSON line, then idles
 * until killed. The test bundles this with esbuild and runs it as a separate process.
 */
import { LocalRuntime } from "../../src/runtimes/local/index.js";
import type { RevisionSpec } from "../../src/runtimes/port.js";

const [stateDir, specJson] = process.argv.slice(2);
const spec = JSON.parse(specJson ?? "{}") as RevisionSpec;
const runtime = new LocalRuntime({ stateDir: stateDir ?? "" });
await runtime.ensure(spec);
const result = await runtime.waitReady(spec.revisionId, { timeoutMs: 20_000 });
process.stdout.write(`${JSON.stringify({ outcome: result.outcome, instances: result.instances })}\n`);
setInterval(() => undefined, 60_000);
