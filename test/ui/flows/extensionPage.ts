/**
 * The installed extension's page in the Extensions view, as a user meets it before anything else:
 * its own icon and the user's content first, and no broken image: VS Code's extension page loads
 * README images only from https: (it refuses relative and, since 1.103, data: images), so the
 * README packed into the VSIX leaves the screenshots out and says where they are.
 */
import { check, type Flow } from '../flow';
import { poll } from '../workbench';

/** The fields of an <img> read here (the test build has no DOM types). */
interface Img {
    complete: boolean;
    naturalWidth: number;
    src: string;
    alt: string;
    getAttribute(name: string): string | null;
}

interface ImageState {
    src: string;
    alt: string;
    loaded: boolean;
}

export const extensionPageFlow: Flow = {
    name: 'extension-page',
    async run(ctx) {
        const { wb, page } = ctx;
        // The Extensions view registers its own commands when it first opens.
        await wb.runCommand('View: Show Extensions');
        await page.locator('.extensions-viewlet').waitFor({ timeout: 30_000 });
        // Its search box has the focus: list what is installed.
        await page.keyboard.type('@installed ');
        await page.keyboard.press('Escape'); // the filter suggestions would cover the list
        const item = page.locator('.extensions-viewlet .monaco-list-row').filter({ hasText: 'Azure Managed Disks' }).first();
        await item.waitFor({ timeout: 30_000 });
        const listIcon = item.locator('img.icon').first();
        const iconOk = async () => listIcon.evaluate((e) => {
            const i = e as unknown as Img;
            return i.complete && i.naturalWidth > 0 && !/defaultIcon|extension-default/i.test(i.src);
        });
        await poll(iconOk, 15_000, () => 'the extension shows no icon of its own in the list');
        await item.click();

        const editor = page.locator('.extension-editor');
        await editor.waitFor({ timeout: 30_000 });
        // The page's README is a webview (laid over the editor, outside its DOM): the last one opened.
        const readme = page.locator('iframe.webview.ready').last().contentFrame().frameLocator('iframe#active-frame');
        await readme.locator('h1').first().waitFor({ timeout: 30_000 });
        // Every image on the page must render: one that shows only its alt text is a broken page,
        // whatever its alt text says. (Give images time to load before judging.)
        const readImages = async (): Promise<ImageState[]> => readme.locator('img').evaluateAll((els) => (els as unknown as Img[]).map((i) => ({ src: i.getAttribute('src') ?? '', alt: i.alt, loaded: i.complete && i.naturalWidth > 0 })));
        let images: ImageState[] = await readImages();
        await poll(async () => (images = await readImages()).every((i) => i.loaded), 15_000, () => 'still loading').catch(() => undefined);
        const broken = images.filter((i) => !i.loaded);
        check(broken.length === 0, `the extension page shows ${broken.length} broken image(s): ${broken.map((i) => `${i.src.slice(0, 60)} (${i.alt.slice(0, 40)})`).join(' | ')}`);
        const text = await readme.locator('body').innerText();
        check(/screenshots/i.test(text), 'the page says where the screenshots are');
        const headings = (await readme.locator('h2').allInnerTexts()).map((h) => h.trim());
        const dev = headings.indexOf('Development');
        check(headings[0] !== 'Development' && headings.slice(0, 2).some((h) => /Install/.test(h)), `the page does not start with the user's content: ${headings.join(' · ')}`);
        check(dev < 0 || dev > headings.findIndex((h) => /Settings/.test(h)), `Development comes before Settings: ${headings.join(' · ')}`);
        const header = editor.locator('.header img.icon, .header .icon-container img').first();
        check((await header.evaluate((e) => ((i: Img) => i.complete && i.naturalWidth > 0)(e as unknown as Img)).catch(() => false)) === true, 'the page header shows no icon');
        await page.mouse.move(900, 700);
        await wb.shot('1-extension-page');
        await readme.locator('h2', { hasText: 'More' }).scrollIntoViewIfNeeded();
        await wb.shot('2-readme-more');
        await wb.closeAllEditors();
        await wb.disksView();
    },
};
