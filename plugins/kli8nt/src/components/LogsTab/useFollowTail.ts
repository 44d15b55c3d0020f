import { useEffect, useRef, useState } from 'react';

/** This close to the end (two 20 px rows) counts as at the end. */
const AT_END_PX = 40;
/** A scroll this soon after the user's wheel, touch, key or pointer is theirs. */
const USER_SCROLL_MS = 1000;
const USER_INPUTS = ['wheel', 'touchmove', 'keydown'] as const;

interface UserInput {
  last: number;
  pointerDown: boolean;
}

/**
 * Whether a scroll now is the user's: soon after their input, or with a
 * pointer held (e.g. dragging the scrollbar). A scroll up without it is the
 * list's own (a late scroll event of an earlier change), not a wish to stop.
 */
function byUser(input: UserInput): boolean {
  return input.pointerDown || Date.now() - input.last < USER_SCROLL_MS;
}

function atEnd(list: HTMLElement): boolean {
  return list.scrollHeight - list.scrollTop - list.clientHeight <= AT_END_PX;
}

/**
 * The scroll container of Backstage's LogViewer: its react-window list,
 * the only element in it with an inline `overflow: auto`. The LogViewer
 * (core-components 0.18) has no follow option and no ref to its list.
 */
function listIn(root: HTMLElement): HTMLElement | null {
  return root.querySelector<HTMLElement>('div[style*="overflow: auto"]');
}

/**
 * Keeps a LogViewer at its newest line while `following`, as a terminal
 * does, and tells when the user scrolls away from the end and back.
 *
 * The LogViewer asks its list to scroll to the end on every change of its
 * text, but that request is only a state update of the list, which a
 * scroll event still on its way (from the previous change) can overwrite
 * with the old position (react-window re-applies its scroll handler's
 * update on top): after a long replay the view stopped well short of the
 * end while "Live". So the end is also set on the list element itself,
 * after each change, and the list follows that scroll event. The
 * LogViewer also scrolls to the end on every change, whatever the user
 * did; the caller keeps the user's place by freezing the text
 * (`onScrolledUp`) until they scroll back to the end (`onScrolledToEnd`).
 *
 * Returns the ref for the element around the LogViewer.
 */
export function useFollowTail(options: {
  following: boolean;
  text: string;
  onScrolledUp: () => void;
  onScrolledToEnd: () => void;
}): (element: HTMLElement | null) => void {
  const [root, setRoot] = useState<HTMLElement | null>(null);
  const latest = useRef(options);
  latest.current = options;
  // Set at once by a scroll up, before the next frame's follow could undo it.
  const following = useRef(options.following);
  following.current = options.following;
  // The list's last known position: a scroll event above it is a scroll up.
  const lastTop = useRef(0);
  // When the user last touched the viewer, and whether a pointer is held.
  const input = useRef<UserInput>({ last: -Infinity, pointerDown: false });

  useEffect(() => {
    if (!root) return undefined;
    const onInput = () => {
      input.current.last = Date.now();
    };
    const onPointerDown = () => {
      input.current.pointerDown = true;
    };
    const onPointerUp = () => {
      input.current = { last: Date.now(), pointerDown: false };
    };
    // Scroll events do not bubble; the capture phase still passes here.
    const onScroll = (event: Event) => {
      const list = event.target as HTMLElement;
      const top = list.scrollTop;
      const up = top < lastTop.current && byUser(input.current);
      lastTop.current = top;
      if (atEnd(list)) {
        latest.current.onScrolledToEnd();
      } else if (up) {
        following.current = false;
        latest.current.onScrolledUp();
      }
    };
    root.addEventListener('scroll', onScroll, true);
    for (const type of USER_INPUTS) root.addEventListener(type, onInput, true);
    root.addEventListener('pointerdown', onPointerDown, true);
    window.addEventListener('pointerup', onPointerUp, true);
    window.addEventListener('pointercancel', onPointerUp, true);
    return () => {
      root.removeEventListener('scroll', onScroll, true);
      root.removeEventListener('pointerdown', onPointerDown, true);
      window.removeEventListener('pointerup', onPointerUp, true);
      window.removeEventListener('pointercancel', onPointerUp, true);
      for (const type of USER_INPUTS) {
        root.removeEventListener(type, onInput, true);
      }
    };
  }, [root]);

  const { text } = options;
  useEffect(() => {
    if (!root || !options.following) return undefined;
    // After the LogViewer has rendered the text and made its own request.
    const frame = requestAnimationFrame(() => {
      const list = listIn(root);
      // A user who has scrolled up is not pulled back before their scroll
      // event has told (it may come after this frame).
      const userScrolledUp =
        list && byUser(input.current) && list.scrollTop < lastTop.current;
      if (list && following.current && !userScrolledUp) {
        list.scrollTop = list.scrollHeight;
        lastTop.current = list.scrollTop;
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [root, options.following, text]);

  return setRoot;
}
