/** The parts of an OpenAI-style chat message that routing reads. */
export interface ChatMessageLike {
  role: string;
  content?: string | readonly { type: string; text?: string | undefined }[] | null | undefined;
}

export interface RoutingText {
  /** Text of the last user message: what the decision is about. */
  query: string;
  /** Text of earlier user messages, most recent first. */
  history: string[];
  /** Whether the last user message carries images (only vision-capable models can take it). */
  hasImages: boolean;
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

/**
 * Routing looks at the user's own words: the last user turn decides, earlier
 * user turns may add context. System prompts are the same for every query of
 * an app and would drown the signal.
 */
export function extractRoutingText(messages: readonly ChatMessageLike[], historyTurns: number): RoutingText {
  const userTurns = messages.filter((message) => message.role === 'user').map((message) => textOf(message.content));
  const last = userTurns[userTurns.length - 1] ?? { text: '', images: 0 };
  const history = userTurns
    .slice(0, -1)
    .reverse()
    .map((turn) => turn.text.trim())
    .filter((text) => text !== '')
    .slice(0, historyTurns);
  return { query: last.text.trim(), history, hasImages: last.images > 0 };
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
