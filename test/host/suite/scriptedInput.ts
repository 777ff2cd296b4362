/**
 * A UserInput that answers prompts from a script, in order. A prompt nobody scripted fails at
 * once with the prompt's text (instead of a test hanging on an invisible quick pick); toasts are
 * recorded for assertions and for the secrets scan.
 */
import type * as vscode from 'vscode';
import { GoBackError, UserCancelledError } from '../../../src/shared/cancel';
import { type UserInput } from '../../../src/platform/userInput';

export type Answer =
    /** Quick pick: the item whose label equals (or, failing that, uniquely contains) this text; several for canPickMany. */
    | { pick: string | string[] }
    /** Quick pick: the one item this predicate accepts. */
    | { pickWhere: (item: vscode.QuickPickItem) => boolean; what: string }
    /**
     * Input box value (or made from the box's options, e.g. its placeholder); with `invalid`, the
     * box's validation must reject it (the box then stays open for the next step).
     */
    | { input: string | ((options: vscode.InputBoxOptions) => string); invalid?: boolean }
    /**
     * Warning/info/error message button. With `after`, clicked only once that settles: a
     * notification the user gets to later, when what it said may have changed.
     */
    | { button: string; after?: Promise<unknown> }
    | { files: string[] }
    | 'back'
    | 'cancel'
    /** A modal question closed without choosing a button (Escape): resolves undefined. */
    | 'dismiss';

export interface Step {
    /** Substring of the prompt's title, placeholder, prompt or message (case-insensitive), or a RegExp. */
    match: string | RegExp;
    answer: Answer;
    /** Skipped when the prompt in front of it does not match (for pickers the extension may leave out). */
    optional?: boolean;
}

export interface Toast {
    kind: 'info' | 'warning' | 'error';
    message: string;
    items: string[];
    /** A notice (showNotice): false until the extension closes it. */
    closed?: boolean;
}

export interface PromptRecord {
    kind: 'pick' | 'input' | 'warning' | 'dialog' | 'toast';
    text: string;
    /** Labels offered (pickers) or the validation message (input boxes). */
    detail?: string[];
    /** Pickers: each item's description. */
    descriptions?: (string | undefined)[];
    /** Pickers: whether typing also matches the items' descriptions. */
    matchOnDescription?: boolean;
    /** File dialogs: the folder they open in. */
    folder?: string;
    /** "Step x of y" of a wizard's prompt. */
    step?: number;
    totalSteps?: number;
    /** A warning shown as a modal dialog (it stays until answered). */
    modal?: boolean;
}

export class UnscriptedPromptError extends Error {
    constructor(text: string) {
        super(`Unscripted prompt: ${text}`);
        this.name = 'UnscriptedPromptError';
    }
}

function matches(m: string | RegExp, text: string): boolean {
    return typeof m === 'string' ? text.toLowerCase().includes(m.toLowerCase()) : m.test(text);
}

export class ScriptedInput implements UserInput {
    readonly toasts: Toast[] = [];
    readonly prompts: PromptRecord[] = [];
    /** Problems the extension may have swallowed (e.g. turned into an error toast). */
    readonly problems: string[] = [];
    /** Validation messages shown for values scripted as invalid. */
    readonly validationMessages: string[] = [];
    private steps: Step[] = [];

    constructor(private readonly onToast?: (t: Toast) => void) {}

    script(...steps: Step[]): this {
        this.steps.push(...steps);
        return this;
    }

    /** Throws when scripted steps were not used or the extension met an unscripted prompt. */
    assertDone(): void {
        const problems = [...this.problems];
        const required = this.steps.filter((s) => !s.optional);
        if (required.length) {
            problems.push(`unused scripted steps: ${required.map((s) => String(s.match)).join(', ')}`);
        }
        this.steps = [];
        this.problems.length = 0;
        if (problems.length) {
            throw new Error(problems.join('\n'));
        }
    }

    private next(kind: PromptRecord['kind'], text: string, detail?: string[], pos?: { step?: number; totalSteps?: number; descriptions?: (string | undefined)[]; folder?: string; matchOnDescription?: boolean }): Step {
        this.prompts.push({ kind, text, detail, step: pos?.step, totalSteps: pos?.totalSteps, descriptions: pos?.descriptions, folder: pos?.folder, matchOnDescription: pos?.matchOnDescription });
        while (this.steps[0]?.optional && !matches(this.steps[0].match, text)) {
            this.steps.shift();
        }
        const step = this.steps[0];
        if (!step || !matches(step.match, text)) {
            const msg = step ? `${text} (expected a prompt matching ${String(step.match)})` : text;
            this.problems.push(`Unscripted prompt: ${msg}`);
            throw new UnscriptedPromptError(msg);
        }
        this.steps.shift();
        if (step.answer === 'back') {
            throw new GoBackError();
        }
        if (step.answer === 'cancel') {
            throw new UserCancelledError(text);
        }
        return step;
    }

    private fail(message: string): never {
        this.problems.push(message);
        throw new Error(message);
    }

    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & { canPickMany: true; step?: number; totalSteps?: number }): Promise<T[]>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & { step?: number; totalSteps?: number }): Promise<T>;
    async showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & { step?: number; totalSteps?: number }): Promise<T | T[]> {
        const list = await items;
        const text = [options?.title, options?.placeHolder].filter(Boolean).join(' | ');
        const step = this.next('pick', text, list.map((i) => i.label), { ...options, descriptions: list.map((i) => i.description) });
        if (typeof step.answer === 'object' && 'pickWhere' in step.answer) {
            const many = (options as { canPickMany?: boolean } | undefined)?.canPickMany === true;
            const hits = list.filter((i) => (i as { kind?: number }).kind !== -1).filter(step.answer.pickWhere);
            if (many ? hits.length === 0 : hits.length !== 1) {
                return this.fail(`Quick pick "${text}": ${hits.length} items are ${step.answer.what} among [${list.map((i) => i.label).join(', ')}]`);
            }
            return many ? hits : hits[0];
        }
        if (typeof step.answer !== 'object' || !('pick' in step.answer)) {
            return this.fail(`Quick pick "${text}" was answered with ${JSON.stringify(step.answer)}`);
        }
        const wanted = Array.isArray(step.answer.pick) ? step.answer.pick : [step.answer.pick];
        const chosen = wanted.map((w) => {
            const selectable = list.filter((i) => (i as { kind?: number }).kind !== -1);
            const exact = selectable.filter((i) => i.label === w);
            const loose = selectable.filter((i) => i.label.toLowerCase().includes(w.toLowerCase()));
            const hit = exact.length === 1 ? exact : loose;
            if (hit.length !== 1) {
                return this.fail(`Quick pick "${text}": ${hit.length} items match "${w}" among [${list.map((i) => i.label).join(', ')}]`);
            }
            return hit[0];
        });
        return (options as { canPickMany?: boolean } | undefined)?.canPickMany ? chosen : chosen[0];
    }

    async showInputBox(options: vscode.InputBoxOptions & { step?: number; totalSteps?: number }): Promise<string> {
        const text = [options.title, options.prompt, options.placeHolder].filter(Boolean).join(' | ');
        for (;;) {
            const step = this.next('input', text, undefined, options);
            if (typeof step.answer !== 'object' || !('input' in step.answer)) {
                return this.fail(`Input box "${text}" was answered with ${JSON.stringify(step.answer)}`);
            }
            const value = typeof step.answer.input === 'function' ? step.answer.input(options) : step.answer.input;
            const verdict = options.validateInput ? await options.validateInput(value) : undefined;
            const message = typeof verdict === 'string' ? verdict : verdict?.message;
            if (step.answer.invalid) {
                if (!message) {
                    return this.fail(`Input box "${text}" accepted "${value}", which should be rejected`);
                }
                this.validationMessages.push(message);
                this.prompts[this.prompts.length - 1].detail = [message];
                continue; // the box stays open: the next step answers it again
            }
            if (message) {
                return this.fail(`Input box "${text}" rejected "${value}": ${message}`);
            }
            return value;
        }
    }

    async showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Promise<string | undefined> {
        const text = [message, options?.detail].filter(Boolean).join(' | ');
        if (!options?.modal && (items.length === 0 || !this.steps[0] || !matches(this.steps[0].match, text))) {
            this.record({ kind: 'warning', message: text, items });
            return undefined;
        }
        const step = this.next('warning', text, items);
        this.prompts[this.prompts.length - 1].modal = !!options?.modal;
        if (step.answer === 'dismiss') {
            this.record({ kind: 'warning', message: text, items });
            return undefined;
        }
        if (typeof step.answer !== 'object' || !('button' in step.answer) || !items.includes(step.answer.button)) {
            return this.fail(`Question "${text}" offers [${items.join(', ')}], script says ${JSON.stringify(step.answer)}`);
        }
        this.record({ kind: 'warning', message: text, items });
        await step.answer.after;
        return step.answer.button;
    }

    async showOpenDialog(options: vscode.OpenDialogOptions & { defaultFolder?: string }): Promise<vscode.Uri[] | undefined> {
        const step = this.next('dialog', options.title ?? options.openLabel ?? 'open dialog', undefined, { folder: options.defaultFolder ?? options.defaultUri?.fsPath });
        if (typeof step.answer !== 'object' || !('files' in step.answer)) {
            return this.fail(`Open dialog answered with ${JSON.stringify(step.answer)}`);
        }
        const vsc = require('vscode') as typeof vscode;
        return step.answer.files.map((f) => vsc.Uri.file(f));
    }

    async showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return this.toast('error', message, items);
    }

    async showInformationMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return this.toast('info', message, items);
    }

    showNotice(message: string, until: Promise<unknown>): void {
        const t: Toast = { kind: 'info', message, items: [], closed: false };
        this.record(t);
        void until.then(
            () => (t.closed = true),
            () => (t.closed = true),
        );
    }

    private async toast(kind: Toast['kind'], message: string, items: string[]): Promise<string | undefined> {
        this.record({ kind, message, items });
        const step = this.steps[0];
        // A toast's button is pressed only when the script asks for it; otherwise it is dismissed.
        if (step && typeof step.answer === 'object' && 'button' in step.answer && matches(step.match, message)) {
            this.steps.shift();
            this.prompts.push({ kind: 'toast', text: message, detail: items });
            if (!items.includes(step.answer.button)) {
                return this.fail(`Toast "${message}" offers [${items.join(', ')}], not "${step.answer.button}"`);
            }
            await step.answer.after;
            return step.answer.button;
        }
        return undefined;
    }

    private record(t: Toast): void {
        this.toasts.push(t);
        this.onToast?.(t);
    }
}
