/**
 * `npm run sandbox`: starts the sandbox in the foreground. The first stdout line is the
 * SandboxInfo JSON; after it, one line per request (paths only: never SAS queries or tokens).
 * Ctrl+C / SIGTERM stops everything.
 * Flags: --scale, --skip-large-disk, --lro-polls N, --retry-after N, --token-lifetime N, --page-size N, --run-dir DIR, --quiet
 */
import { startSandbox, type SandboxOptions } from './index';

function parseArgs(argv: string[]): SandboxOptions & { quiet?: boolean } {
    const o: SandboxOptions & { quiet?: boolean } = {};
    const num = (i: number) => {
        const v = Number(argv[i + 1]);
        if (!Number.isFinite(v) || v < 0) throw new Error(`${argv[i]} needs a number`);
        return v;
    };
    for (let i = 0; i < argv.length; i++) {
        switch (argv[i]) {
            case '--scale': o.scale = true; break;
            case '--quiet': o.quiet = true; break;
            case '--skip-large-disk': o.skipLargeDisk = true; break;
            case '--lro-polls': o.lroPolls = num(i++); break;
            case '--retry-after': o.retryAfterSeconds = num(i++); break;
            case '--token-lifetime': o.tokenLifetimeSeconds = num(i++); break;
            case '--page-size': o.pageSize = num(i++); break;
            case '--run-dir': o.runDir = argv[++i]; break;
            default: throw new Error(`unknown argument ${argv[i]}`);
        }
    }
    return o;
}

async function main(): Promise<void> {
    const opts = parseArgs(process.argv.slice(2));
    const started = Date.now();
    const sandbox = await startSandbox({ ...opts, log: opts.quiet ? undefined : (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`) });
    process.stdout.write(`${JSON.stringify(sandbox.info)}\n`);
    process.stderr.write(`Sandbox ready in ${Date.now() - started} ms: ARM ${sandbox.info.armEndpoint}, storage ${sandbox.info.storageEndpoint}, ${sandbox.manifest.length} disks and snapshots. Put ${sandbox.info.azCliDir} first on PATH for the az stand-in. Ctrl+C stops.\n`);
    let stopping = false;
    const shutdown = (signal: string) => {
        if (stopping) return;
        stopping = true;
        process.stderr.write(`${signal}: stopping the sandbox\n`);
        const force = setTimeout(() => process.exit(1), 8000);
        force.unref();
        sandbox.stop().then(() => process.exit(0), () => process.exit(1));
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGHUP', () => shutdown('SIGHUP'));
}

main().catch((e: Error) => {
    process.stderr.write(`Sandbox failed to start: ${e.message}\n`);
    process.exit(1);
});
