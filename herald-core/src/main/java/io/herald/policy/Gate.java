package io.herald.policy;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The policy gate at send time. (Placeholder: lets everything through; issue 5's policies replace the body,
 * keeping this signature.) Frequency caps count the person's deliveries whose {@code sent_at} falls in the window:
 * the dispatcher sets {@code sent_at} in the same transaction in which the gate says {@link Decision.Send}.
 */
public final class Gate {
    public Gate() {
    }

    public Decision check(Connection c, GateRequest request) throws SQLException {
        return new Decision.Send();
    }
}
