import type { ResponseItemList } from 'openai/resources/responses/input-items';
import type { ResponseInputItem, ResponseItem } from 'openai/resources/responses/responses';
import { AppError } from '../errors.js';
import { outputAsInput } from './responses-inbound.js';
import type { StoredResponse } from './response-store.js';

/** The query of GET /v1/responses/{id}/input_items, as OpenAI defines it. */
export interface InputItemsPage {
  /** An item id from an earlier page: the list continues after it. */
  after?: string | undefined;
  limit: number;
  order: 'asc' | 'desc';
}

/** OpenAI's list shape; the ids are null only for a page past the last item. */
export type InputItemList = Omit<ResponseItemList, 'first_id' | 'last_id'> & {
  first_id: string | null;
  last_id: string | null;
};

const ID_PREFIX: Record<string, string> = { message: 'msg', function_call: 'fc', function_call_output: 'fco' };

type LooseItem = { type?: string; role?: string; id?: string; status?: string; content?: unknown };

/**
 * One stored input item in the shape the list returns. Clients send items
 * without ids (a plain string, `{ role, content }`), and the ids are not added
 * at storage time because the stored conversation goes upstream as `input`
 * with `store: false`, where an unknown item id would be refused. So an item
 * without one gets an id made of the response id and its position: the same
 * on every call, which is all the `after` cursor needs.
 */
function asResponseItem(item: ResponseInputItem, responseId: string, index: number): ResponseItem {
  const loose = item as LooseItem;
  const type = loose.type ?? 'message';
  const id = loose.id ?? `${ID_PREFIX[type] ?? 'item'}_${responseId.replace(/^resp_/, '')}_${index}`;
  if (type !== 'message') return { ...item, id, status: loose.status ?? 'completed' } as ResponseItem;
  const assistant = loose.role === 'assistant';
  const content =
    typeof loose.content === 'string'
      ? [assistant ? { type: 'output_text', text: loose.content, annotations: [] } : { type: 'input_text', text: loose.content }]
      : loose.content;
  return { ...item, id, type: 'message', status: loose.status ?? 'completed', content } as ResponseItem;
}

/**
 * The items a stored response was generated from: the conversation before it
 * (from its `previous_response_id` chain) and its own input, without its
 * output, paged by item id like OpenAI's list endpoints.
 */
export function listInputItems(stored: StoredResponse, page: InputItemsPage): InputItemList {
  // The stored conversation ends with the output turned into input items; the same function tells how many.
  const outputCount = outputAsInput(stored.response.output).length;
  const inputs = stored.conversation
    .slice(0, stored.conversation.length - outputCount)
    .map((item, index) => asResponseItem(item, stored.id, index));
  const ordered = page.order === 'asc' ? inputs : inputs.reverse();
  let start = 0;
  if (page.after !== undefined) {
    const position = ordered.findIndex((item) => item.id === page.after);
    if (position === -1)
      throw new AppError('invalid_request', 400, `after: no input item '${page.after}' in response ${stored.id}`, {
        param: 'after',
      });
    start = position + 1;
  }
  const data = ordered.slice(start, start + page.limit);
  return {
    object: 'list',
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: start + page.limit < ordered.length,
  };
}
