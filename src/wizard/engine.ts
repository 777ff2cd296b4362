/**
 * The one step engine every wizard runs on: small steps over one typed context, "Step x of y" with
 * the count of the steps that still apply, Back to the previous question (its answer forgotten),
 * Escape cancels (UserCancelledError from UserInput), steps a preset or the context already answer
 * are skipped. Back on the first question asks it again (the QuickInput shows no Back there).
 * Two wizards run as one by concatenating their steps (the palette's disk picker, then the grant
 * questions): one count, Back all the way; the title may follow the answers so far.
 * No vscode import at run time: wizards are unit-tested with a scripted UserInput.
 */
import { isGoBack } from '../shared/cancel';
import type { UserInput } from '../platform/userInput';

export interface StepPosition {
    step: number;
    totalSteps: number;
    title: string;
}

export interface WizardStep<C> {
    id: string;
    /** False skips the step: a preset answered it, or it does not apply to this context. */
    shouldPrompt(ctx: C): boolean;
    /** Asks and stores the answer in `ctx`; rejects with GoBackError for Back. */
    prompt(ctx: C, ui: UserInput, pos: StepPosition): Promise<void>;
    /** Forgets this step's answer, when the user goes back to it. */
    clear(ctx: C): void;
}

export async function runWizard<C>(ctx: C, steps: readonly WizardStep<C>[], ui: UserInput, title: string | ((ctx: C) => string)): Promise<C> {
    const asked: WizardStep<C>[] = [];
    for (;;) {
        const remaining = steps.filter((s) => !asked.includes(s) && s.shouldPrompt(ctx));
        const next = remaining[0];
        if (!next) return ctx;
        try {
            await next.prompt(ctx, ui, { step: asked.length + 1, totalSteps: asked.length + remaining.length, title: typeof title === 'string' ? title : title(ctx) });
            asked.push(next);
        } catch (e) {
            if (!isGoBack(e)) throw e;
            asked.pop()?.clear(ctx);
        }
    }
}
