/**
 * How a user's "stop" travels: Escape is UserCancelledError (the command ends quietly, result
 * Canceled), a wizard's Back button is GoBackError. Both are recognised by name as well as class,
 * since a UserInput from another bundle (automation, the extension's tests) throws its own copies.
 */

export class UserCancelledError extends Error {
    static [Symbol.hasInstance](x: unknown): boolean {
        return (x as Error | undefined)?.name === 'UserCancelledError';
    }

    constructor(readonly step?: string) {
        super('Operation cancelled.');
        this.name = 'UserCancelledError';
    }
}

export class GoBackError extends Error {
    static [Symbol.hasInstance](x: unknown): boolean {
        return (x as Error | undefined)?.name === 'GoBackError';
    }

    constructor() {
        super('Back');
        this.name = 'GoBackError';
    }
}

export function isGoBack(e: unknown): boolean {
    return e instanceof GoBackError;
}

/** Escape, Back out of a flow's first prompt, a VS Code cancellation, an aborted request. */
export function isCancellation(e: unknown): boolean {
    const name = (e as Error | undefined)?.name;
    return name === 'UserCancelledError' || name === 'Canceled' || name === 'AbortError' || name === 'GoBackError';
}
