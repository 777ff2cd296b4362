/** The real prompts. Escape rejects with UserCancelledError; the Back button with GoBackError. */
import * as vscode from 'vscode';
import { GoBackError, UserCancelledError } from '../shared/cancel';
import { type UserInput } from './userInput';

type StepOptions = { step?: number; totalSteps?: number };

/**
 * One settlement per prompt: the first of accept, Back or hide wins; then the listeners and the
 * input are disposed. Back rejects with GoBackError, hiding (Escape) with UserCancelledError.
 */
function settleOnce(input: Pick<vscode.InputBox, 'onDidTriggerButton' | 'onDidHide' | 'dispose'>, reject: (e: unknown) => void, title?: string) {
    let settled = false;
    const disposables: vscode.Disposable[] = [];
    const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
        disposables.forEach((d) => d.dispose());
        input.dispose();
    };
    disposables.push(
        input.onDidTriggerButton((b) => {
            if (b === vscode.QuickInputButtons.Back) finish(() => reject(new GoBackError()));
        }),
        input.onDidHide(() => finish(() => reject(new UserCancelledError(title)))),
    );
    return { finish, disposables, isSettled: () => settled };
}

export class VscodeUserInput implements UserInput {
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & { canPickMany: true } & StepOptions): Promise<T[]>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & StepOptions): Promise<T>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & StepOptions = {}): Promise<T | T[]> {
        const qp = vscode.window.createQuickPick<T>();
        qp.title = options.title;
        qp.placeholder = options.placeHolder;
        qp.step = options.step;
        qp.totalSteps = options.totalSteps;
        qp.canSelectMany = !!options.canPickMany;
        qp.ignoreFocusOut = !!options.ignoreFocusOut;
        qp.matchOnDescription = !!options.matchOnDescription;
        qp.matchOnDetail = !!options.matchOnDetail;
        qp.buttons = options.step && options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
        // Busy, but never disabled: a disabled input cannot take focus when shown, and re-enabling it
        // does not move focus there, so a pick opened from a context menu left the keyboard on the tree.
        // Enter is ignored until the items are in (onDidAccept below).
        qp.busy = true;
        return new Promise<T | T[]>((resolve, reject) => {
            const { finish, disposables, isSettled } = settleOnce(qp, reject, options.title);
            disposables.push(
                qp.onDidAccept(() => {
                    if (qp.busy) return;
                    if (qp.canSelectMany) {
                        finish(() => resolve([...qp.selectedItems]));
                    } else {
                        const picked = qp.selectedItems[0] ?? qp.activeItems[0];
                        if (picked) finish(() => resolve(picked));
                    }
                }),
            );
            qp.show();
            Promise.resolve(items).then(
                (list) => {
                    if (isSettled()) return;
                    qp.items = list;
                    if (qp.canSelectMany) qp.selectedItems = list.filter((i) => i.picked);
                    else {
                        const active = list.find((i) => i.picked);
                        if (active) qp.activeItems = [active];
                    }
                    qp.busy = false;
                },
                (err) => finish(() => reject(err)),
            );
        });
    }

    showInputBox(options: vscode.InputBoxOptions & StepOptions): Promise<string> {
        const box = vscode.window.createInputBox();
        box.title = options.title;
        box.prompt = options.prompt;
        box.placeholder = options.placeHolder;
        box.value = options.value ?? '';
        box.password = !!options.password;
        box.ignoreFocusOut = !!options.ignoreFocusOut;
        box.step = options.step;
        box.totalSteps = options.totalSteps;
        box.buttons = options.step && options.step > 1 ? [vscode.QuickInputButtons.Back] : [];
        const validate = async (value: string) => {
            const r = await options.validateInput?.(value);
            box.validationMessage = r ?? undefined;
            return !r;
        };
        return new Promise<string>((resolve, reject) => {
            const { finish, disposables } = settleOnce(box, reject, options.title);
            disposables.push(
                box.onDidChangeValue((v) => void validate(v)),
                box.onDidAccept(async () => {
                    const value = box.value;
                    box.busy = true;
                    const ok = await validate(value);
                    box.busy = false;
                    if (ok) finish(() => resolve(value));
                }),
            );
            box.show();
            if (box.value) void validate(box.value);
        });
    }

    async showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Promise<string | undefined> {
        return vscode.window.showWarningMessage(message, options, ...items);
    }

    async showOpenDialog(options: vscode.OpenDialogOptions & { defaultFolder?: string }): Promise<vscode.Uri[] | undefined> {
        const { defaultFolder, ...rest } = options;
        return vscode.window.showOpenDialog({ ...rest, defaultUri: rest.defaultUri ?? (defaultFolder ? vscode.Uri.file(defaultFolder) : undefined) });
    }

    async showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return vscode.window.showErrorMessage(message, ...items);
    }

    async showInformationMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return vscode.window.showInformationMessage(message, ...items);
    }

    showNotice(message: string, until: Promise<unknown>): void {
        // A progress notification is the one kind an extension can close; its bar is shown full, as nothing is running.
        void vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: message, cancellable: false }, async (progress) => {
            progress.report({ increment: 100 });
            await until.catch(() => undefined);
        });
    }
}

/** services.ui: forwards to whichever UserInput is current, so tests can swap it after activation. */
export class DelegatingUserInput implements UserInput {
    constructor(public target: UserInput) {}

    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options: vscode.QuickPickOptions & { canPickMany: true } & StepOptions): Promise<T[]>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & StepOptions): Promise<T>;
    showQuickPick<T extends vscode.QuickPickItem>(items: readonly T[] | Promise<readonly T[]>, options?: vscode.QuickPickOptions & StepOptions): Promise<T | T[]> {
        return (this.target.showQuickPick as (i: typeof items, o?: typeof options) => Promise<T | T[]>).call(this.target, items, options);
    }
    showInputBox(options: vscode.InputBoxOptions & StepOptions): Promise<string> {
        return this.target.showInputBox(options);
    }
    showWarningMessage(message: string, options: vscode.MessageOptions, ...items: string[]): Promise<string | undefined> {
        return this.target.showWarningMessage(message, options, ...items);
    }
    showOpenDialog(options: vscode.OpenDialogOptions & { defaultFolder?: string }): Promise<vscode.Uri[] | undefined> {
        return this.target.showOpenDialog(options);
    }
    showErrorMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return this.target.showErrorMessage(message, ...items);
    }
    showInformationMessage(message: string, ...items: string[]): Promise<string | undefined> {
        return this.target.showInformationMessage(message, ...items);
    }
    showNotice(message: string, until: Promise<unknown>): void {
        this.target.showNotice(message, until);
    }
}
