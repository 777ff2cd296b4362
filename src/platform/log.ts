/** The "Azure Managed Disks" log channel, with every line scrubbed of SAS signatures and tokens. */
import type * as vscode from 'vscode';
import type { Logger } from '../shared/logger';
import { scrubSecrets } from '../shared/secrets';

function text(value: unknown): string {
    if (value instanceof Error) return scrubSecrets(value.stack ?? `${value.name}: ${value.message}`);
    if (typeof value === 'string') return scrubSecrets(value);
    try {
        return scrubSecrets(JSON.stringify(value));
    } catch {
        return scrubSecrets(String(value));
    }
}

export class ChannelLogger implements Logger {
    constructor(private readonly channel: vscode.LogOutputChannel) {}

    info(message: string, ...args: unknown[]): void {
        this.channel.info(text(message), ...args.map(text));
    }
    warn(message: string, ...args: unknown[]): void {
        this.channel.warn(text(message), ...args.map(text));
    }
    error(message: string | Error, ...args: unknown[]): void {
        this.channel.error(text(message), ...args.map(text));
    }
    debug(message: string, ...args: unknown[]): void {
        this.channel.debug(text(message), ...args.map(text));
    }
    show(): void {
        this.channel.show(true);
    }
}
