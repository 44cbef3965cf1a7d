// Unit tests of packages/pki/src/signer/clock.ts: Go's time.Round(time.Minute)
// rounds halfway values up, which is where cfssl's notBefore comes from.
import { describe, expect, it } from "vitest";
import { addDuration, roundToMinute } from "../../../packages/pki/src/signer/clock.js";

describe("roundToMinute (Go's Time.Round(time.Minute))", () => {
  it.each([
    ["2024-05-01T12:00:00.000Z", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00:29.999Z", "2024-05-01T12:00:00.000Z"],
    ["2024-05-01T12:00:30.000Z", "2024-05-01T12:01:00.000Z"], // halfway: up
    ["2024-05-01T12:00:30.001Z", "2024-05-01T12:01:00.000Z"],
    ["2024-05-01T12:00:59.999Z", "2024-05-01T12:01:00.000Z"],
    ["2024-12-31T23:59:45.000Z", "2025-01-01T00:00:00.000Z"],
    ["1969-12-31T23:59:30.000Z", "1970-01-01T00:00:00.000Z"], // before the epoch, halfway still goes up
    ["1969-12-31T23:59:29.999Z", "1969-12-31T23:59:00.000Z"],
  ])("%s -> %s", (from, to) => {
    expect(roundToMinute(new Date(from)).toISOString()).toBe(to);
  });
});

describe("addDuration (nanoseconds, millisecond precision)", () => {
  it("adds and subtracts Go durations", () => {
    const t = new Date("2024-05-01T12:00:00.000Z");
    expect(addDuration(t, 8760n * 3_600_000_000_000n).toISOString()).toBe("2025-05-01T12:00:00.000Z");
    expect(addDuration(t, -5n * 60_000_000_000n).toISOString()).toBe("2024-05-01T11:55:00.000Z");
    expect(addDuration(t, 1_500_000n).getTime() - t.getTime()).toBe(1);
  });
});
