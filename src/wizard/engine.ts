/**
 * The one step engine every wizard runs on: small steps over one typed context, "Step x of y",
 * Back to the previous question (its answer forgotten), Escape cancels (UserCancelledError from
 * UserInput), steps a preset or the context already answer are skipped. Back on the first question
 * asks it again (the QuickInput shows no Back there).
 * The count is of the steps that may still be asked (`mayPrompt`), so it shrinks when an answer
 * rules steps out and never grows while the user answers.
 * An answer the wizard cannot use (a damaged image, a block blob) is refused with AnswerRefused:
 * the same step is asked again with the reason, the answers before it kept. A refusal that comes
 * after the wizard (Azure refusing the request it made) runs it again at the refused step.
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
    /** Why the previous answer to this step was refused: the step shows it as it asks again. */
    refused?: string;
}

export interface WizardStep<C> {
    id: string;
    /** False skips the step: a preset answered it, or it does not apply to this context. */
    shouldPrompt(ctx: C): boolean;
    /**
     * Whether the step may still be asked once the questions before it are answered (it is
     * counted in "of y"); defaults to shouldPrompt. True for a step an earlier answer may bring in.
     */
    mayPrompt?(ctx: C): boolean;
    /** Asks and stores the answer in `ctx`; rejects with GoBackError for Back, AnswerRefused for an answer it cannot use. */
    prompt(ctx: C, ui: UserInput, pos: StepPosition): Promise<void>;
    /** Forgets this step's answer, when the user goes back to it. */
    clear(ctx: C): void;
}

/** An answer a step cannot use: the step is asked again with `message` (the reason and what to do). */
export class AnswerRefused extends Error {
    static [Symbol.hasInstance](x: unknown): boolean {
        return (x as Error | undefined)?.name === 'AnswerRefused';
    }

    constructor(message: string) {
        super(message);
        this.name = 'AnswerRefused';
    }

    /** A refusal in plain words (a DiskError's message and next step) as a refused answer. */
    static of(e: { message: string; nextStep?: string }): AnswerRefused {
        return new AnswerRefused(e.nextStep ? `${e.message} ${e.nextStep}` : e.message);
    }
}

export interface WizardRun {
    /** Ids of the steps asked, in order: filled in by the run, for a later `refused` run. */
    asked?: string[];
    /** Run again at this step (asked before), with why its answer was refused; the others keep theirs. */
    refused?: { step: string; reason: string };
}

export async function runWizard<C>(ctx: C, steps: readonly WizardStep<C>[], ui: UserInput, title: string | ((ctx: C) => string), run: WizardRun = {}): Promise<C> {
    const history = run.asked ?? [];
    const asked: WizardStep<C>[] = [];
    // Steps answered in an earlier run after the refused one: still counted, not asked again.
    const answeredLater = new Set<string>();
    let refused: string | undefined;
    if (run.refused) {
        const at = history.indexOf(run.refused.step);
        const target = steps.find((s) => s.id === run.refused!.step);
        if (at >= 0 && target) {
            asked.push(...history.slice(0, at).map((id) => steps.find((s) => s.id === id)).filter((s): s is WizardStep<C> => !!s));
            history.slice(at + 1).forEach((id) => answeredLater.add(id));
            target.clear(ctx);
            refused = run.refused.reason;
        }
    }
    for (;;) {
        const remaining = steps.filter((s) => !asked.includes(s) && s.shouldPrompt(ctx));
        const next = remaining[0];
        if (!next) break;
        const later = steps.filter((s) => !asked.includes(s) && s !== next && ((s.mayPrompt ?? s.shouldPrompt)(ctx) || answeredLater.has(s.id)));
        try {
            await next.prompt(ctx, ui, { step: asked.length + 1, totalSteps: asked.length + 1 + later.length, title: typeof title === 'string' ? title : title(ctx), refused });
            refused = undefined;
            asked.push(next);
            answeredLater.delete(next.id);
        } catch (e) {
            if (e instanceof AnswerRefused) {
                next.clear(ctx);
                refused = e.message;
                continue;
            }
            if (!isGoBack(e)) throw e;
            refused = undefined;
            asked.pop()?.clear(ctx);
        }
    }
    history.splice(0, history.length, ...asked.map((s) => s.id), ...[...answeredLater]);
    run.asked = history;
    return ctx;
}

/**
 * A step's question, led by why its last answer was refused. Shown in the prompt itself (a quick
 * pick's placeholder, a file dialog's title), so the reason stands where the user answers again.
 */
export function withRefusal(pos: StepPosition, question: string): string {
    return pos.refused ? `${pos.refused} — ${question}` : question;
}
