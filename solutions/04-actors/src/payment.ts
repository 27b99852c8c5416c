// The Payment actor: a balance per card, and what was decided for each order's payment. Charging and
// refunding are keyed by the order, so a retransmitted or late request never moves money twice.
import { defineActor } from "./actor.ts";
import { refuse, type CardId, type Charge, type OrderId, type Refund, type ReplyBody } from "./messages.ts";

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
  // @solution §4 "answer a known order from its record; else debit the card if it can pay, or decline and record why"
  const known = data.charges[request.orderId];
  if (known !== undefined) {
    if (known.status === "charged") return { ok: true, amount: known.amount };
    return refuse(known.reason ?? `the payment of order ${request.orderId} was ${known.status}`);
  }
  const balance = data.accounts[request.card];
  const reason =
    balance === undefined
      ? `unknown card ${request.card}`
      : balance < request.amount
        ? `insufficient funds on ${request.card}`
        : undefined;
  if (reason !== undefined) {
    data.charges[request.orderId] = { card: request.card, amount: request.amount, status: "declined", reason };
    return refuse(reason);
  }
  data.accounts[request.card] = balance! - request.amount;
  data.charges[request.orderId] = { card: request.card, amount: request.amount, status: "charged" };
  return { ok: true, amount: request.amount };
  // @end
}

/** Gives an order's money back, once. Refunding an order never charged is fine, and blocks a late charge. */
export function handleRefund(data: PaymentData, request: Refund): ReplyBody {
  // @solution §4 "credit a charged order back once; remember a refund even for an order never charged"
  const known = data.charges[request.orderId];
  if (known === undefined) {
    data.charges[request.orderId] = { card: "", amount: 0, status: "refunded", reason: "the order was cancelled" };
  } else if (known.status === "charged") {
    data.accounts[known.card] = (data.accounts[known.card] ?? 0) + known.amount;
    known.status = "refunded";
    known.reason = "the order was cancelled";
  }
  return { ok: true };
  // @end
}
