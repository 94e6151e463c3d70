using Micro.Broker;

namespace Micro.Tests.Broker;

public sealed class RetryPolicyTests
{
    [Fact]
    public void Delays_GrowExponentially_UpToTheCap_WithJitterOnlyShortening()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), Multiplier = 2, Jitter = 0.5 };
        for (var round = 0; round < 200; round++)
        {
            Assert.InRange(policy.DelayAfter(1).TotalMilliseconds, 50, 100);
            Assert.InRange(policy.DelayAfter(2).TotalMilliseconds, 100, 200);
            Assert.InRange(policy.DelayAfter(3).TotalMilliseconds, 200, 400);
            Assert.InRange(policy.DelayAfter(30).TotalMilliseconds, 500, 1000);
        }
        var spread = Enumerable.Range(0, 100).Select(_ => policy.DelayAfter(3)).Distinct().Count();
        Assert.True(spread > 10, "jitter should spread retries out");
    }

    [Fact]
    public void AFailedAttempt_IsRetried_UntilTheLastOne_IsDeadLettered()
    {
        var policy = new RetryPolicy { MaxAttempts = 3, Jitter = 0 };
        Assert.Equal(DeliveryAction.Retry, DeliveryOutcome.Failed(policy, 1, "x").Action);
        Assert.Equal(DeliveryAction.Retry, DeliveryOutcome.Failed(policy, 2, "x").Action);
        var last = DeliveryOutcome.Failed(policy, 3, "boom");
        Assert.Equal(DeliveryAction.DeadLetter, last.Action);
        Assert.Equal("failed 3 times: boom", last.Reason);
    }

    [Theory]
    [InlineData("orders", true)]
    [InlineData("orders.placed", true)]
    [InlineData("a-b_c.D9", true)]
    [InlineData("orders.placed.dlq", true)]
    [InlineData("", false)]
    [InlineData("orders.", false)]
    [InlineData("or ders", false)]
    [InlineData("orders.*", false)]
    [InlineData("orders.>", false)]
    [InlineData("ordérs", false)]
    public void TopicNames(string topic, bool valid) => Assert.Equal(valid, TopicName.IsValid(topic));

    [Fact]
    public void TopicNames_AreBounded() => Assert.False(TopicName.IsValid(new string('a', TopicName.MaxLength + 1)));
}
