import { join } from 'node:path';
import type { Intent } from '../../src/routes-config/schemas.js';
import { readJsonl } from './labelled-file.js';

/**
 * A large labelled intent bank in the router's taxonomy, built from the
 * per-source files of ../shared/evaldata with the label mapping its README
 * documents: what a user with tens of thousands of their own labelled queries
 * would import. Used only to measure `seed --select`; nothing of it is
 * written into the project.
 */
export interface BankRow {
  text: string;
  label: Intent;
  source: string;
}

export const CLINC: Record<string, Intent> = {
  ...Object.fromEntries(
    [
      'apr',
      'definition',
      'improve_credit_score',
      'interest_rate',
      'international_fees',
      'replacement_card_duration',
      'routing',
    ].map((l) => [l, 'faq' as const]),
  ),
  ...Object.fromEntries(
    [
      'are_you_a_bot',
      'do_you_have_pets',
      'fun_fact',
      'goodbye',
      'greeting',
      'how_old_are_you',
      'meaning_of_life',
      'tell_joke',
      'thank_you',
      'what_are_your_hobbies',
      'what_can_i_ask_you',
      'what_is_your_name',
      'where_are_you_from',
      'who_do_you_work_for',
      'who_made_you',
    ].map((l) => [l, 'smalltalk' as const]),
  ),
  ...Object.fromEntries(
    [
      'account_blocked',
      'application_status',
      'balance',
      'bill_balance',
      'bill_due',
      'card_declined',
      'credit_limit',
      'credit_limit_change',
      'credit_score',
      'damaged_card',
      'expiration_date',
      'freeze_account',
      'min_payment',
      'order_checks',
      'pay_bill',
      'pin_change',
      'redeem_rewards',
      'report_fraud',
      'report_lost_card',
      'rewards_balance',
      'spending_history',
      'transactions',
      'transfer',
    ].map((l) => [l, 'support' as const]),
  ),
  calculator: 'math',
  new_card: 'sales',
};

export const BANKING77_FAQ = new Set([
  'age_limit',
  'apple_pay_or_google_pay',
  'atm_support',
  'card_acceptance',
  'card_delivery_estimate',
  'country_support',
  'disposable_card_limits',
  'exchange_charge',
  'exchange_rate',
  'fiat_currency_support',
  'receiving_money',
  'supported_cards_and_currencies',
  'top_up_by_bank_transfer_charge',
  'top_up_by_card_charge',
  'top_up_by_cash_or_cheque',
  'top_up_limits',
  'visa_or_mastercard',
  'why_verify_identity',
]);

export const BITEXT: Record<string, Intent> = {
  ...Object.fromEntries(['check_cancellation_fee', 'check_refund_policy', 'delivery_period'].map((l) => [l, 'faq' as const])),
  ...Object.fromEntries(
    ['check_payment_methods', 'delivery_options', 'newsletter_subscription', 'place_order'].map((l) => [l, 'sales' as const]),
  ),
  ...Object.fromEntries(
    [
      'cancel_order',
      'change_order',
      'change_shipping_address',
      'check_invoice',
      'check_invoices',
      'complaint',
      'contact_customer_service',
      'contact_human_agent',
      'create_account',
      'delete_account',
      'edit_account',
      'get_invoice',
      'get_refund',
      'payment_issue',
      'recover_password',
      'registration_problems',
      'review',
      'set_up_shipping_address',
      'switch_account',
      'track_order',
      'track_refund',
    ].map((l) => [l, 'support' as const]),
  ),
};

export const HWU_MASSIVE: Record<string, Intent> = {
  qa_definition: 'faq',
  qa_factoid: 'faq',
  qa_maths: 'math',
  general_greet: 'smalltalk',
  general_joke: 'smalltalk',
  general_praise: 'smalltalk',
};

function mapped(
  rows: Record<string, unknown>[],
  source: string,
  labelOf: (row: Record<string, unknown>) => Intent | undefined,
): BankRow[] {
  const out: BankRow[] = [];
  for (const row of rows) {
    const label = labelOf(row);
    if (label !== undefined && typeof row.text === 'string' && row.text.trim() !== '')
      out.push({ text: row.text, label, source });
  }
  return out;
}

/** Every mapped row of the intent sources (no writing: no dev source has writing requests beyond MT-Bench's 30). */
export function readSourceBank(evaldataDir: string): BankRow[] {
  const file = (path: string) => readJsonl(join(evaldataDir, path));
  const label = (row: Record<string, unknown>) => String(row.label);
  return [
    // CLINC train split only: its val split stays unseen, as the upstream intends.
    ...mapped(file('clinc150/clinc150_train_val_oos.jsonl'), 'clinc150', (row) =>
      row.split === 'train' ? CLINC[label(row)] : undefined,
    ),
    ...mapped(file('banking77/banking77_train.jsonl'), 'banking77', (row) => (BANKING77_FAQ.has(label(row)) ? 'faq' : 'support')),
    ...mapped(file('bitext/bitext_8k.jsonl'), 'bitext', (row) => BITEXT[label(row)]),
    ...mapped(file('massive_hwu64/hwu64_train_valid.jsonl'), 'hwu64', (row) => HWU_MASSIVE[label(row)]),
    ...mapped(file('chitchat/chitchat_en_mit.jsonl'), 'chitchat_en', () => 'smalltalk'),
    ...mapped(file('gsm8k/gsm8k_train.jsonl'), 'gsm8k', () => 'math'),
    ...mapped(file('humaneval/humaneval.jsonl'), 'humaneval', () => 'code'),
  ];
}

/** Case-, accent- and punctuation-insensitive key, so a bank row that is an eval row in another spelling is caught. */
export function dedupKey(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
