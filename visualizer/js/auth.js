// The approver's token: asked for once per tab, kept in sessionStorage, sent as Authorization: Bearer.
// Until it is given (and accepted), the pages show nothing private.
import { api, token } from './api.js';
import { clear, h } from './dom.js';

/**
 * Renders the sign-in control into `slot` and calls onChange(signedIn) now and whenever it changes.
 */
export function mountAuth(slot, onChange) {
  const render = (message) => {
    if (token.get()) {
      clear(slot, h('span', { class: 'auth-state' }, 'Signed in as approver'),
        h('button', { type: 'button', class: 'link', onclick: () => { token.clear(); render(); onChange(false); } }, 'Forget token'));
      return;
    }
    const input = h('input', { id: 'token-input', type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'token-help' });
    const error = h('span', { class: 'auth-error', role: 'alert' }, message ?? '');
    const form = h('form', { class: 'auth-form', onsubmit: async (ev) => {
      ev.preventDefault();
      const value = input.value.trim();
      if (!value) return;
      token.set(value);
      try {
        await api('/runs?limit=1');
        render();
        onChange(true);
      } catch (err) {
        token.clear();
        render(err.status === 401 ? 'That token was not accepted.' : `Could not check the token: ${err.message}`);
      }
    } },
    h('label', { for: 'token-input' }, 'Approver token'), input,
    h('button', { type: 'submit' }, 'Sign in'),
    h('span', { id: 'token-help', class: 'hint' }, 'Kept for this tab only.'),
    error);
    clear(slot, form);
  };
  window.addEventListener('disputeflow:signed-out', () => {
    render('The token was refused; sign in again.');
    onChange(false);
  });
  render();
  onChange(Boolean(token.get()));
}

/** The message shown in place of private content. */
export const signInPrompt = (what) => h('p', { class: 'locked' }, `Sign in with the approver's token (top right) to see ${what}.`);
