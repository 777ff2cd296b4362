import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { GoBackError, UserCancelledError } from '../../src/shared/cancel';
import type { UserInput } from '../../src/platform/userInput';
import { AnswerRefused, runWizard, type WizardRun, type WizardStep } from '../../src/wizard/engine';

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

/** Steps a, b, c where b may be refused ('BAD'), and c applies only when a is 'more'; records "id step/total refused?". */
function refusing(script: string[]): { steps: WizardStep<Ctx>[]; asked: string[] } {
    const asked: string[] = [];
    const step = (id: 'a' | 'b' | 'c', applies: (c: Ctx) => boolean = () => true, may?: (c: Ctx) => boolean): WizardStep<Ctx> => ({
        id,
        shouldPrompt: (c) => c[id] === undefined && applies(c),
        mayPrompt: may ? (c) => c[id] === undefined && may(c) : undefined,
        prompt: async (c, _ui, pos) => {
            asked.push(`${id} ${pos.step}/${pos.totalSteps}${pos.refused ? ` (${pos.refused})` : ''}`);
            const answer = script.shift();
            if (answer === 'BACK') throw new GoBackError();
            if (answer === undefined) throw new UserCancelledError(id);
            c[id] = answer;
            if (answer === 'BAD') throw new AnswerRefused(`${id} cannot be BAD`);
        },
        clear: (c) => delete c[id],
    });
    return { steps: [step('a'), step('b'), step('c', (c) => c.a === 'more', (c) => c.a === undefined || c.a === 'more')], asked };
}

test('a refused answer asks the same step again with the reason; the answers before it stay', async () => {
    const s = refusing(['more', 'BAD', 'BAD', 'ok', 'last']);
    const ctx = await runWizard<Ctx>({}, s.steps, ui, 't');
    assert.deepEqual(s.asked, ['a 1/3', 'b 2/3', 'b 2/3 (b cannot be BAD)', 'b 2/3 (b cannot be BAD)', 'c 3/3']);
    assert.deepEqual({ a: ctx.a, b: ctx.b, c: ctx.c }, { a: 'more', b: 'ok', c: 'last' });
    // Back from a refused step goes to the one before, and the reason is not shown there.
    const back = refusing(['x', 'BAD', 'BACK', 'y', 'ok']);
    await runWizard<Ctx>({}, back.steps, ui, 't');
    assert.deepEqual(back.asked, ['a 1/3', 'b 2/2', 'b 2/2 (b cannot be BAD)', 'a 1/3', 'b 2/2']);
});

test('the count covers the steps that may still come: it shrinks when an answer rules one out, never grows', async () => {
    const s = refusing(['less', 'ok']);
    await runWizard<Ctx>({}, s.steps, ui, 't');
    assert.deepEqual(s.asked, ['a 1/3', 'b 2/2']);
    const m = refusing(['more', 'ok', 'z']);
    await runWizard<Ctx>({}, m.steps, ui, 't');
    assert.deepEqual(m.asked, ['a 1/3', 'b 2/3', 'c 3/3']);
});

test('a refusal after the wizard runs it again at the refused step only, counted as before, Back still there', async () => {
    const first = refusing(['more', 'b1', 'c1']);
    const run: WizardRun = {};
    const ctx = await runWizard<Ctx>({}, first.steps, ui, 't', run);
    assert.deepEqual(run.asked, ['a', 'b', 'c']);
    const again = refusing(['b2']);
    await runWizard<Ctx>(ctx, again.steps, ui, 't', { asked: run.asked, refused: { step: 'b', reason: 'Azure refused b1' } });
    assert.deepEqual(again.asked, ['b 2/3 (Azure refused b1)']);
    assert.deepEqual({ a: ctx.a, b: ctx.b, c: ctx.c }, { a: 'more', b: 'b2', c: 'c1' });
    const backAgain = refusing(['BACK', 'more', 'b3']);
    await runWizard<Ctx>(ctx, backAgain.steps, ui, 't', { asked: ['a', 'b', 'c'], refused: { step: 'b', reason: 'no' } });
    assert.deepEqual(backAgain.asked, ['b 2/3 (no)', 'a 1/3', 'b 2/3']);
    assert.deepEqual({ a: ctx.a, b: ctx.b, c: ctx.c }, { a: 'more', b: 'b3', c: 'c1' });
});
