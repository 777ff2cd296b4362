/** A tiny element builder: text goes in through textContent only, never as HTML. */

type Attrs = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === false) continue;
        if (k === 'className') el.className = String(v);
        else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) {
        if (c === undefined) continue;
        el.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return el;
}

export function button(text: string, onClick: () => void, attrs: Attrs = {}): HTMLButtonElement {
    const b = h('button', { type: 'button', ...attrs }, text);
    b.addEventListener('click', onClick);
    return b;
}

export function setText(el: Element, text: string): void {
    if (el.textContent !== text) el.textContent = text;
}
