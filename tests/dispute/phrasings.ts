// Dispute emails written for these tests, in styles the labeled sample does not use (terse, chatty,
// generic subjects, non-native phrasing), to keep the reason rules honest about generalizing.
import type { ReasonCode } from '../../dispute/types.ts';

export interface Phrasing {
  code: ReasonCode;
  subject: string;
  body: string;
}

const p = (code: ReasonCode, subject: string, body: string): Phrasing => ({ code, subject, body });

export const PHRASINGS: Phrasing[] = [
  p('PRC', 'Invoice 5521', 'Hi, the widgets on this one came through at $12.40 a piece. We were quoted $11.10 by your rep last month. Can you fix?'),
  p('PRC', 'Re: INV-005521', 'Your invoice does not reflect the pricing in our master supply agreement. Every line is billed at the old 2025 rates. Please rebill at the agreed pricing.'),
  p('PRC', 'billing question', 'The unit price on line 3 is wrong - it should be 7.85 per case per our price sheet, you charged 8.60.'),
  p('PRC', 'Overcharged on inv 5530', 'Hello, we have been overcharged. The price per unit does not match our purchase order, which shows $45.00 each.'),
  p('DSC', 'Invoice 5540', 'We took the 2% early payment discount as allowed by our terms but your statement now shows the discount as an open balance. The 2% was earned, we paid within 10 days.'),
  p('DSC', 'promo pricing missing', 'This order was placed during the spring promotion (15% off all fasteners) but the promo was not applied on invoice 5541.'),
  p('DSC', 'Rebate', 'As agreed we should get a 5% volume rebate once we pass $100k for the year. We passed it in October and the rebate hasnt been credited yet.'),
  p('QTY', 'Invoice 5550', 'We only received 8 of the 10 drums listed. Packing slip attached shows 8 drums. Please adjust.'),
  p('QTY', 'Missing cartons', 'Two cartons were missing from the delivery on inv 5551, the driver had 14 not 16. Please credit us for the two cartons or send them.'),
  p('QTY', 'partial delivery INV-005552', 'This was a partial shipment - the rest of the order is on backorder per your warehouse, yet the invoice bills the full quantity.'),
  p('DMG', 'Invoice 5560 issue', 'Half the bottles in the shipment were leaking when we opened the cases. We have pictures. How do we send these back?'),
  p('DMG', 'Broken on arrival', 'The glass panels on INV-005561 arrived cracked. We need replacement panels or a credit.'),
  p('DMG', 'Faulty units', 'Three of the pumps from invoice 5562 are defective and will not start. Please send a return authorization.'),
  p('WRG', 'Wrong item', 'You sent us the blue model instead of the black one we ordered on PO 88122. Invoice 5570.'),
  p('WRG', 'Invoice 5571', 'The SKU on the packing list does not match what we ordered - we got the 12V version, our PO was for the 24V version. We cannot use these.'),
  p('WRG', 'incorrect product shipped', 'We received incorrect parts on invoice 5572. Part number 22-118 was shipped but we ordered 22-181.'),
  p('NRC', 'Where is our order?', 'We got invoice 5580 but we never got the goods. Nothing has arrived at our dock. Please check with the carrier.'),
  p('NRC', 'INV-005581', 'Our receiving department has no record of this delivery. Can you provide a POD? We will not pay until we receive it.'),
  p('NRC', 'Invoice 5582 - not delivered', 'The order on this invoice was never delivered to our Denver site. Tracking shows it is still in transit since 3 weeks.'),
  p('SNR', 'Invoice 5590', 'We were billed for 6 hours of on-site training that was never held. The trainer cancelled and did not reschedule.'),
  p('SNR', 'installation charge', 'The installation billed on INV-005591 was not completed - your technician left after an hour and never came back.'),
  p('SNR', 'Monthly service fee', 'We are being charged for the October maintenance visit but no technician showed up in October.'),
  p('DUP', 'Double billed', 'It looks like you invoiced us twice for the same shipment - invoices 5600 and 5607 are identical.'),
  p('DUP', 'Invoice 5601', 'This is a duplicate of invoice 5598 which we already paid. Please void it.'),
  p('DUP', 'same PO on two invoices', 'PO 41102 has been billed on two separate invoices, INV-005602 and INV-005609. We only received one delivery.'),
  p('PAID', 'Invoice 5610', 'We sent payment for this on 10/12 via ACH, trace number 021000021. Please confirm receipt.'),
  p('PAID', 'Statement', 'Your statement shows invoice 5611 as outstanding. Our records show it was paid by check #10442 on September 3. Can you look into it?'),
  p('PAID', 'RE: Past due reminder', 'This has been paid already. Remittance advice attached.'),
  p('CRN', 'Credit not applied', 'We are still waiting for the credit for the returned pallets (RMA 7781). The invoice still shows the full amount.'),
  p('CRN', 'INV-005621 return', 'We returned 12 units last month and your warehouse confirmed receipt, but no credit has been issued against this invoice.'),
  p('CRN', 'credit memo', 'Please apply credit memo CM-000412 to invoice 5622, it was issued in August but we still see the full balance.'),
  p('TAX', 'Sales tax on 5630', 'We are a non-profit and exempt from sales tax. Please remove the tax and resend. Our certificate is attached.'),
  p('TAX', 'Invoice 5631', 'You charged 8.25% tax but our ship-to location is in Oregon where there is no sales tax.'),
  p('TAX', 'tax', 'The tax amount on inv 5632 looks wrong, it was calculated on the freight too.'),
  p('TRM', 'Finance charge', 'Why was a finance charge added to invoice 5640? We pay on Net 45 terms per our agreement and it is not overdue.'),
  p('TRM', 'Invoice 5641 due date', 'The due date on this invoice is wrong. Our terms are net 60, not net 30.'),
  p('TRM', 'late charge', 'Please waive the late charge on invoice 5642. The payment was delayed because of your bank holiday.'),
  p('PO', 'Invoice 5650 rejected', 'Our AP portal rejected this invoice because the PO number is missing. Please add PO 33190 and resubmit.'),
  p('PO', 'wrong company on invoice', 'Invoice 5651 was issued to our parent company instead of our subsidiary. Please reissue it to the correct legal entity.'),
  p('PO', 'INV-005652', 'The PO referenced on this invoice is incorrect - it should be PO-55612. Please send a corrected invoice.'),
  p('FRT', 'Shipping charge', 'We were charged $95 shipping on invoice 5660 but our agreement says free delivery over $1,000.'),
  p('FRT', 'Invoice 5661', 'There is a freight line on this invoice. We arranged our own carrier for this order, so please remove it.'),
  p('FRT', 'Fuel surcharge', 'The fuel surcharge on INV-005662 was never part of our deal. Please take it off.'),
  p('NOI', 'Need invoice', 'Hi, can you please send me a copy of invoice 5670? I cannot find it anywhere.'),
  p('NOI', 'missing invoice', 'We never got an invoice for our September order. Please resend to ap@example.test.'),
  p('NOI', 'Invoice 5672', 'This invoice is on your statement but we do not have it in our system. Could you forward the PDF?'),
  p('OTH', 'Invoice 5680', 'Please hold this invoice for now, we have some questions. I will get back to you.'),
  p('OTH', 'INV-005681', 'We are not paying this until we talk to our manager.'),
];
