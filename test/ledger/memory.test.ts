import { InMemoryLedgerStore } from "../../src/core/ledger/memory-store.js";
import { ledgerConformance } from "./conformance.js";

ledgerConformance("in-memory", () => new InMemoryLedgerStore());
