export type PageState = 'connecting' | 'idle' | 'recording' | 'failed';

export interface PageStatus {
  set(state: PageState, detail: string): void;
  /** Counts parts delivered to the engine (shown, and read by the tests). */
  delivered(kind: 'init' | 'fragment'): void;
  codec(codec: string): void;
}

/**
 * What the page shows (it is hidden in the app; in a browser it tells whoever opened it what it does):
 * the state in text, and as data attributes for tests and diagnostics.
 */
export function pageStatus(element: HTMLElement): PageStatus {
  let fragments = 0;
  return {
    set(state, detail) {
      element.dataset.state = state;
      element.textContent = `${state}${detail === '' ? '' : `: ${detail}`}`;
    },
    delivered(kind) {
      if (kind === 'fragment') fragments += 1;
      element.dataset.fragments = String(fragments);
    },
    codec(codec) {
      element.dataset.codec = codec;
    },
  };
}
