import { describe, expect, it } from "vitest";
import { BucketLimiter, defaultControllerRateLimiter, ItemExponentialLimiter, MaxOfLimiter } from "../../../packages/bootstrap/src/controller-runtime/rate-limiter.js";

describe("ItemExponentialLimiter", () => {
  it("doubles the delay per failure of an item, from base to the cap", () => {
    const l = new ItemExponentialLimiter(200, 1_000_000);
    const delays = Array.from({ length: 15 }, () => l.when("a"));
    expect(delays.slice(0, 6)).toEqual([200, 400, 800, 1600, 3200, 6400]);
    expect(delays[12]).toBe(819_200);
    expect(delays[13]).toBe(1_000_000);
    expect(delays[14]).toBe(1_000_000);
    expect(l.retries("a")).toBe(15);
  });

  it("keeps items apart and forgets one without touching the others", () => {
    const l = new ItemExponentialLimiter(10, 1000);
    l.when("a");
    l.when("a");
    expect(l.when("b")).toBe(10);
    l.forget("a");
    expect(l.retries("a")).toBe(0);
    expect(l.when("a")).toBe(10);
    expect(l.retries("b")).toBe(1);
  });

  it("stays at the cap after very many failures (no overflow to NaN)", () => {
    const l = new ItemExponentialLimiter(1, 5000);
    for (let i = 0; i < 3000; i++) l.when("x");
    expect(l.when("x")).toBe(5000);
  });
});

describe("BucketLimiter", () => {
  it("lets a burst through, then spaces items at 1/qps", () => {
    let t = 0;
    const l = new BucketLimiter(10, 3, () => t);
    expect([l.when("a"), l.when("b"), l.when("c")]).toEqual([0, 0, 0]);
    // Each further token is reserved behind the previous one: 100 ms apart at 10 qps.
    expect(l.when("d")).toBeCloseTo(100);
    expect(l.when("e")).toBeCloseTo(200);
    t = 500;
    // 500 ms refill 5 tokens against a debt of 2: 3 available, capped at the burst of 3.
    expect([l.when("f"), l.when("g"), l.when("h")]).toEqual([0, 0, 0]);
    expect(l.when("i")).toBeCloseTo(100);
  });

  it("does not mint tokens when the clock steps back", () => {
    let t = 1000;
    const l = new BucketLimiter(1, 1, () => t);
    expect(l.when("a")).toBe(0);
    t = 0;
    expect(l.when("b")).toBeCloseTo(1000);
  });

  it("remembers nothing per item", () => {
    const l = new BucketLimiter(10, 1, () => 0);
    l.when("a");
    l.forget("a");
    expect(l.retries("a")).toBe(0);
    expect(l.when("a")).toBeCloseTo(100);
  });
});

describe("MaxOfLimiter", () => {
  it("returns the longest delay and advances every limiter", () => {
    const t = 0;
    const item = new ItemExponentialLimiter(5, 1000);
    const bucket = new BucketLimiter(100, 2, () => t);
    const l = new MaxOfLimiter(item, bucket);
    expect(l.when("a")).toBe(5); // item 5 ms, bucket 0
    expect(l.when("a")).toBe(10); // item 10 ms, bucket 0
    expect(l.when("b")).toBe(10); // item 5 ms, bucket 10 ms (burst used up)
    expect(l.retries("a")).toBe(2);
    l.forget("a");
    expect(item.retries("a")).toBe(0);
  });

  it("needs at least one limiter", () => {
    expect(() => new MaxOfLimiter()).toThrow(RangeError);
  });
});

describe("defaultControllerRateLimiter", () => {
  it("is 200 ms per item doubling, under a 10 qps bucket of 100", () => {
    const t = 0;
    const l = defaultControllerRateLimiter(() => t);
    expect(l.when("a")).toBe(200);
    expect(l.when("a")).toBe(400);
    for (let i = 0; i < 98; i++) l.when(`k${i}`);
    // The burst is used up: the 101st token is 100 ms away, less than a fresh item's 200 ms.
    expect(l.when("fresh")).toBe(200);
    for (let i = 0; i < 10; i++) l.when(`m${i}`);
    // 12 tokens in debt at 10 qps: the global rate now dominates.
    expect(l.when("fresh2")).toBeCloseTo(1200);
  });
});
