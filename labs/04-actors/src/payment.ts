// The Payment actor: a balance per card, and what was decided for each order's payment. Charging and
// refunding are keyed by the order, so a retransmitted or late request never moves money twice.
import { defineActor } from "./actor.ts";
import { refuse, type CardId, type Charge, type OrderId, type Refund, type ReplyBody } from "./messages.ts";
import { todo } from "@distlab/kit/service";

/**
 * What payment decided for one order. "refunded" is also written for an order refunded before it was ever
 * charged (a tombstone), so that a charge arriving late for it is refused.
 */
export interface ChargeRecord {
  card: CardId;
  amount: number;
  status: "charged" | "declined" | "refunded";
  reason?: string;
}

export interface PaymentData {
  accounts: Record<CardId, number>;
  charges: Record<OrderId, ChargeRecord>;
}

export function initialPayment(accounts: Record<CardId, number>): PaymentData {
  return { accounts: { ...accounts }, charges: {} };
}

export function paymentActor(accounts: Record<CardId, number>) {
  return defineActor<PaymentData>({
    initial: () => initialPayment(accounts),
    handleRequest(state, _from, request, env) {
      const reply =
        request.type === "charge"
          ? handleCharge(state.data, request)
          : request.type === "refund"
            ? handleRefund(state.data, request)
            : refuse(`payment does not handle "${request.type}"`);
      env.log(`${request.type} ${"orderId" in request ? request.orderId : ""} → ${reply.ok ? "ok" : reply.reason}`);
      return reply;
    },
  });
}

// ---- Step 4: idempotent domain handlers -----------------------------------------------------------------

/** Debits the card once per order. The same order asking again gets the same answer, and no new debit. */
export function handleCharge(data: PaymentData, request: Charge): ReplyBody {
  return todo("TODO(lab04 §4): answer a known order from its record; else debit the card if it can pay, or decline and record why — see labs/04-actors/README.md, step 4");
}

/** Gives an order's money back, once. Refunding an order never charged is fine, and blocks a late charge. */
export function handleRefund(data: PaymentData, request: Refund): ReplyBody {
  return todo("TODO(lab04 §4): credit a charged order back once; remember a refund even for an order never charged — see labs/04-actors/README.md, step 4");
}
