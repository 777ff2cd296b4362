/** Where details go: the "Azure Managed Disks" output channel in the extension, a fake in tests. */
export interface Logger {
    info(message: string, ...args: unknown[]): void;
    warn(message: string, ...args: unknown[]): void;
    error(message: string | Error, ...args: unknown[]): void;
    debug(message: string, ...args: unknown[]): void;
    show(): void;
}
