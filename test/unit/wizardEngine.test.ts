import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { GoBackError, UserCancelledError } from '../../src/shared/cancel';
import type { UserInput } from '../../src/platform/userInput';
import { runWizard, type WizardStep } from '../../src/wizard/engine';

interface Ctx {
    a?: string;
    b?: string;
    c?: string;
    skipB?: boolean;
}

/** Each step answers from a script: a value, 'BACK' or 'ESC'; records what position it was asked at. */
function scripted(script: string[]): { steps: WizardStep<Ctx>[]; asked: string[] } {
    const asked: string[] = [];
    const step = (id: 'a' | 'b' | 'c', when: (c: Ctx) => boolean = () => true): WizardStep<Ctx> => ({
        id,
        shouldPrompt: (c) => c[id] === undefined && when(c),
        prompt: async (c, _ui, pos) => {
            asked.push(`${id} ${pos.step}/${pos.totalSteps}`);
            const answer = script.shift();
            if (answer === 'BACK') throw new GoBackError();
            if (answer === 'ESC' || answer === undefined) throw new UserCancelledError(id);
            c[id] = answer;
        },
        clear: (c) => delete c[id],
    });
    return { steps: [step('a'), step('b', (c) => !c.skipB), step('c')], asked };
}

const ui = {} as UserInput;

test('counts only the steps that apply, and skips answered ones', async () => {
    const s = scripted(['1', '3']);
    const ctx = await runWizard<Ctx>({ skipB: true }, s.steps, ui, 't');
    assert.deepEqual(s.asked, ['a 1/2', 'c 2/2']);
    assert.deepEqual({ a: ctx.a, c: ctx.c }, { a: '1', c: '3' });
    const preset = scripted(['3']);
    await runWizard<Ctx>({ a: 'x', b: 'y' }, preset.steps, ui, 't');
    assert.deepEqual(preset.asked, ['c 1/1']);
});

test('Back asks the previous question again with its answer forgotten; Back on the first stays there', async () => {
    const s = scripted(['BACK', '1', '2', 'BACK', 'BACK', '9', '8', '7']);
    const ctx = await runWizard<Ctx>({}, s.steps, ui, 't');
    assert.deepEqual(s.asked, ['a 1/3', 'a 1/3', 'b 2/3', 'c 3/3', 'b 2/3', 'a 1/3', 'b 2/3', 'c 3/3']);
    assert.deepEqual({ a: ctx.a, b: ctx.b, c: ctx.c }, { a: '9', b: '8', c: '7' });
});

test('Escape leaves the wizard with UserCancelledError', async () => {
    const s = scripted(['1', 'ESC']);
    await assert.rejects(runWizard<Ctx>({}, s.steps, ui, 't'), (e: unknown) => e instanceof UserCancelledError);
});
