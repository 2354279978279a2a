// The 16 dispute reasons of DOMAIN.md (X12 426 / Oracle / JD Edwards lists): who owns each, what the
// reply must ask the customer for, and which resolution AR moves toward. The reply, the escalation and
// the hold review all read this one table.
import type { ReasonCode } from '../types.ts';

export type Department = 'sales_rep' | 'shipping' | 'ar';

export interface ReasonInfo {
  code: ReasonCode;
  label: string;
  department: Department;
  /** What the reply asks the customer to send, in the order a reader would gather it. */
  evidence: string[];
  /** The resolution to move toward, as AR words it internally. */
  resolution: string;
  /** What AR does next, said to the customer without promising the outcome. */
  next_step: string;
  /** Business days within which AR answers with the result (APQC: top teams resolve in about 4). */
  respond_within_days: number;
  /** DOMAIN.md's seller-fault reasons (PRC, DUP, QTY): with evidence they argue for continuing, not a hold. */
  seller_fault: boolean;
}

const r = (x: ReasonInfo): ReasonInfo => x;

export const REASONS: Record<ReasonCode, ReasonInfo> = {
  PRC: r({ code: 'PRC', label: 'Pricing error', department: 'sales_rep', evidence: ['the quote, contract or PO showing the agreed unit price', 'the invoice lines and quantities you believe are mispriced'], resolution: 'Check the contract or PO price; issue a credit memo for the difference, or send the price agreement.', next_step: 'We are checking the billed prices against your contract and PO with your account manager.', respond_within_days: 4, seller_fault: true }),
  DSC: r({ code: 'DSC', label: 'Discount or rebate not applied', department: 'sales_rep', evidence: ['the discount, promotion or rebate agreement (percentage, period, qualifying items)'], resolution: 'Confirm the agreement and issue a credit memo for the discount.', next_step: 'We are confirming the discount terms of your agreement with your account manager.', respond_within_days: 4, seller_fault: false }),
  QTY: r({ code: 'QTY', label: 'Short shipment / quantity', department: 'shipping', evidence: ['the packing slip or receiving report showing the quantity received', 'the signed delivery receipt or bill of lading'], resolution: 'Check the packing slip and proof of delivery; credit the shortage or ship the balance.', next_step: 'We are checking the packing slip and proof of delivery with our shipping team.', respond_within_days: 4, seller_fault: true }),
  DMG: r({ code: 'DMG', label: 'Damaged or defective goods', department: 'shipping', evidence: ['photos of the damage or defect', 'the delivery receipt with any carrier exception noted', 'the items and quantities affected'], resolution: 'Issue an RMA; replace or credit the damaged goods.', next_step: 'Our shipping team will review the damage and the return (RMA) for the affected items.', respond_within_days: 4, seller_fault: false }),
  WRG: r({ code: 'WRG', label: 'Wrong or substituted product', department: 'shipping', evidence: ['the item you received (part number or SKU, a photo of the label)', 'the item you ordered (PO line)'], resolution: 'Arrange the return; re-ship the right product or credit.', next_step: 'Our shipping team will compare what was shipped with your order and arrange the return.', respond_within_days: 4, seller_fault: false }),
  NRC: r({ code: 'NRC', label: 'Goods not received', department: 'shipping', evidence: ['the delivery address you expected', 'confirmation that no part of the order arrived'], resolution: 'Send proof of delivery; if there is none, re-ship or credit.', next_step: 'We are checking the proof of delivery with the carrier.', respond_within_days: 3, seller_fault: false }),
  SNR: r({ code: 'SNR', label: 'Service not rendered', department: 'sales_rep', evidence: ['the service dates and scope in question (statement of work, order)', 'any sign-off or correspondence about the visit'], resolution: 'Check service logs and sign-off; credit the part not rendered.', next_step: 'We are checking the service logs and sign-off with your account manager.', respond_within_days: 4, seller_fault: false }),
  DUP: r({ code: 'DUP', label: 'Duplicate billing', department: 'ar', evidence: ['both invoice numbers and the lines you believe were billed twice'], resolution: 'Confirm in transactions; void or credit the duplicate (the later invoice).', next_step: 'We are comparing the two invoices in our records.', respond_within_days: 2, seller_fault: true }),
  PAID: r({ code: 'PAID', label: 'Already paid', department: 'ar', evidence: ['the remittance advice: payment date, amount, method and reference (check number, ACH trace or wire reference)'], resolution: 'Find the payment in customer_payments and apply it, or ask for remittance.', next_step: 'We are tracing the payment in our cash receipts.', respond_within_days: 2, seller_fault: false }),
  CRN: r({ code: 'CRN', label: 'Return or credit not applied', department: 'ar', evidence: ['the credit memo or RMA number', 'the return date and the items returned'], resolution: 'Apply the existing credit memo, or issue one.', next_step: 'We are checking the credit memo and return in our records.', respond_within_days: 2, seller_fault: false }),
  TAX: r({ code: 'TAX', label: 'Tax incorrect', department: 'ar', evidence: ['a valid tax exemption or resale certificate, or the ship-to address that sets the tax rate'], resolution: 'Get the certificate on file; credit and re-bill.', next_step: 'We are checking the tax on the invoice against the certificate and ship-to on file.', respond_within_days: 3, seller_fault: false }),
  TRM: r({ code: 'TRM', label: 'Terms or late fee', department: 'sales_rep', evidence: ['the payment terms you agreed (contract or account setup)', 'for a late fee: the date your payment was sent'], resolution: 'Correct the terms and reverse the fee.', next_step: 'We are checking the terms on your account and the fee with your account manager.', respond_within_days: 3, seller_fault: false }),
  PO: r({ code: 'PO', label: 'PO missing or incorrect / bill-to wrong', department: 'ar', evidence: ['the correct PO number and bill-to name and address'], resolution: 'Re-issue the invoice (no financial change).', next_step: 'We will correct the invoice details once we have the PO number and bill-to you need.', respond_within_days: 2, seller_fault: false }),
  FRT: r({ code: 'FRT', label: 'Freight charge', department: 'sales_rep', evidence: ['the order terms or freight agreement (prepaid, will-call, free shipping threshold)'], resolution: 'Credit the freight, or show the agreement.', next_step: 'We are checking the freight terms of the order with your account manager.', respond_within_days: 4, seller_fault: false }),
  NOI: r({ code: 'NOI', label: 'Invoice not received', department: 'ar', evidence: ['the address where invoices should be sent, if it is not this one'], resolution: 'Resend the invoice (not a real dispute).', next_step: 'We will send the invoice copy to this address.', respond_within_days: 1, seller_fault: false }),
  OTH: r({ code: 'OTH', label: 'Unclear', department: 'ar', evidence: ['which invoice lines or amounts you question, and why'], resolution: 'Ask the customer for details.', next_step: 'Once we know what is in question we will route it to the right team.', respond_within_days: 2, seller_fault: false }),
};
