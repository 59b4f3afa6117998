import { createHash } from 'node:crypto';

/** The parts of an OpenAI-style chat message that routing reads. */
export interface ChatMessageLike {
  role: string;
  content?: string | readonly { type: string; text?: string | undefined }[] | null | undefined;
}

export interface RoutingText {
  /** The user's own words in the turn the decision is about (see extractRoutingText). */
  query: string;
  /** Text of earlier user turns, most recent first. */
  history: string[];
  /** Whether the query's message carries images (only vision-capable models can take it). */
  hasImages: boolean;
  /** Assistant or tool messages follow the query's message: this request is a later step of the same turn. */
  continuesTurn: boolean;
  /** The turn's identity without a session id: a hash of the system prompt and the messages up to the query's. */
  turnKey: string | undefined;
  /** Set when the last user words were a short follow-up, routed as the earlier user turn this many turns back. */
  followupOf: { turnsBack: number; words: number } | undefined;
}

function textOf(content: ChatMessageLike['content']): { text: string; images: number } {
  if (content === undefined || content === null) return { text: '', images: 0 };
  if (typeof content === 'string') return { text: content, images: 0 };
  const texts: string[] = [];
  let images = 0;
  for (const part of content) {
    if (part.type === 'text' && typeof part.text === 'string') texts.push(part.text);
    else if (part.type === 'image_url' || part.type === 'image' || part.type === 'input_image') images++;
  }
  return { text: texts.join('\n'), images };
}

export interface RoutingTextOptions {
  historyTurns: number;
  /** A last user turn of at most this many words, after earlier ones, is routed as the conversation (0: never). */
  followupMaxWords?: number;
}

/** How much of a pasted block (a fenced file, a tagged document or log) routing keeps: enough to say what it is. */
const QUOTE_HEAD_CHARS = 160;

const REMINDER_OPEN = /<system-reminder>/g;
const FENCED = /```([^\n`]*)\n([\s\S]*?)```/g;
/** The opening of a tag block around a multi-line paste: `<file path="x">`, `<document>`, `<environment_details>`. */
const TAG_OPEN = /<([A-Za-z][\w-]*)((?:\s[^<>]*)?)>(?=\n)/g;
const TAG_CLOSE = /<\/([A-Za-z][\w-]*)>/g;

function head(block: string): string {
  const trimmed = block.trim();
  return trimmed.length <= QUOTE_HEAD_CHARS ? trimmed : `${trimmed.slice(0, QUOTE_HEAD_CHARS)}…`;
}

/**
 * Replaces each block from an opening match to its closer. Linear in the
 * text, whatever it holds: an opening is only searched onward when its closer
 * occurs later (one pass finds the last position of every closer), and the
 * scan resumes after each block found, so no character is searched twice. A
 * regex with a lazy body would rescan to the end for every unclosed opening.
 */
function replaceBlocks(
  text: string,
  opening: RegExp,
  closerOf: (match: RegExpExecArray) => string,
  lastCloser: ReadonlyMap<string, number>,
  render: (match: RegExpExecArray, body: string) => string,
): string {
  let out = '';
  let copied = 0;
  opening.lastIndex = 0;
  for (let match = opening.exec(text); match !== null; match = opening.exec(text)) {
    const closer = closerOf(match);
    const bodyStart = opening.lastIndex;
    if ((lastCloser.get(closer) ?? -1) < bodyStart) continue;
    const end = text.indexOf(closer, bodyStart);
    out += text.slice(copied, match.index) + render(match, text.slice(bodyStart, end));
    copied = end + closer.length;
    opening.lastIndex = copied;
  }
  return out + text.slice(copied);
}

function lastClosers(text: string): Map<string, number> {
  const last = new Map<string, number>();
  TAG_CLOSE.lastIndex = 0;
  for (let match = TAG_CLOSE.exec(text); match !== null; match = TAG_CLOSE.exec(text)) last.set(match[0], match.index);
  return last;
}

/**
 * The user's own words in a user turn. Agents put reminders (Claude Code's
 * `<system-reminder>`), file dumps and tool output into user turns, and a long
 * paste would push the question out of the embedder's input window (MiniLM
 * reads 256 word pieces): reminders go, pasted blocks keep only their head, so
 * the words around them decide.
 */
export function userWords(text: string): string {
  if (!text.includes('<') && !text.includes('```')) return text.trim();
  const closers = lastClosers(text);
  const withoutReminders = replaceBlocks(
    text,
    REMINDER_OPEN,
    () => '</system-reminder>',
    closers,
    () => '',
  );
  const unfenced = withoutReminders.replace(FENCED, (_block, lang: string, body: string) => {
    const kept = head(body);
    return kept === '' ? `\`\`\`${lang}\n\`\`\`` : `\`\`\`${lang}\n${kept}\n\`\`\``;
  });
  return replaceBlocks(
    unfenced,
    TAG_OPEN,
    (match) => `</${match[1]!}>`,
    lastClosers(unfenced),
    (match, body) => `<${match[1]!}${match[2] ?? ''}>\n${head(body)}\n</${match[1]!}>`,
  )
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function wordCount(text: string): number {
  return text.split(/\s+/).filter((word) => word !== '').length;
}

function turnKeyOf(messages: readonly ChatMessageLike[], through: number): string {
  const hash = createHash('sha256');
  for (const message of messages.slice(0, through + 1)) {
    if (message.role === 'tool') continue;
    hash.update(message.role).update('\u0000').update(textOf(message.content).text).update('\u0001');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Routing looks at the user's own words: the last user turn that has any
 * decides, earlier user turns may add context. System prompts are the same for
 * every query of an app and would drown the signal; tool results are not the
 * user's words. In a tool loop the last user-role message may hold only a tool
 * result or a reminder, so the turn that began the loop still decides.
 */
export function extractRoutingText(messages: readonly ChatMessageLike[], options: RoutingTextOptions | number): RoutingText {
  const { historyTurns, followupMaxWords = 0 } = typeof options === 'number' ? { historyTurns: options } : options;
  const turns: { index: number; text: string; images: number }[] = [];
  messages.forEach((message, index) => {
    if (message.role !== 'user') return;
    const content = textOf(message.content);
    const text = userWords(content.text);
    if (text !== '' || content.images > 0) turns.push({ index, text, images: content.images });
  });
  const last = turns.at(-1);
  if (last === undefined) {
    return { query: '', history: [], hasImages: false, continuesTurn: false, turnKey: undefined, followupOf: undefined };
  }
  let anchor = turns.length - 1;
  let followupOf: RoutingText['followupOf'];
  const words = wordCount(last.text);
  if (followupMaxWords > 0 && last.images === 0 && words <= followupMaxWords) {
    // "thanks, continue" says nothing about the work; the turn it continues does.
    for (let i = turns.length - 2; i >= 0; i--) {
      if (wordCount(turns[i]!.text) > followupMaxWords || turns[i]!.images > 0) {
        followupOf = { turnsBack: turns.length - 1 - i, words };
        anchor = i;
        break;
      }
    }
  }
  const query = turns[anchor]!;
  const history = turns
    .slice(0, anchor)
    .reverse()
    .map((turn) => turn.text)
    .filter((text) => text !== '')
    .slice(0, historyTurns);
  const continuesTurn = messages.slice(last.index + 1).some((message) => message.role === 'assistant' || message.role === 'tool');
  return {
    query: query.text,
    history,
    hasImages: query.images > 0,
    continuesTurn,
    turnKey: turnKeyOf(messages, last.index),
    followupOf,
  };
}

/**
 * One query vector from the last turn and its history: each earlier turn
 * counts `weight` times as much as the one after it, then the sum is
 * renormalised so cosine scores stay comparable.
 */
export function blendWithHistory(query: Float32Array, history: readonly Float32Array[], weight: number): Float32Array {
  if (history.length === 0 || weight === 0) return query;
  const blended = Float32Array.from(query);
  let factor = 1;
  for (const turn of history) {
    factor *= weight;
    for (let d = 0; d < blended.length; d++) blended[d]! += factor * turn[d]!;
  }
  let norm = 0;
  for (let d = 0; d < blended.length; d++) norm += blended[d]! * blended[d]!;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let d = 0; d < blended.length; d++) blended[d]! /= norm;
  return blended;
}
