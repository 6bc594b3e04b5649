package io.herald.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.error.ClientError;
import org.junit.jupiter.api.Test;

class QueryParamsTest {
    @Test
    void findsTheFirstValueOfANameWhereverItStands() {
        String q = "writeKey=hw_1&userId=ada&userHash=ab12&userId=bob";
        assertThat(QueryParams.first(q, "writeKey")).isEqualTo("hw_1");
        assertThat(QueryParams.first(q, "userId")).isEqualTo("ada");
        assertThat(QueryParams.first(q, "userHash")).isEqualTo("ab12");
    }

    @Test
    void answersNullForAnAbsentNameAndEmptyForABareOne() {
        assertThat(QueryParams.first("userIdx=1&xuserId=2", "userId")).isNull();
        assertThat(QueryParams.first("userId", "userId")).isEmpty();
        assertThat(QueryParams.first("a=1&userId=&b=2", "userId")).isEmpty();
        assertThat(QueryParams.first((String) null, "userId")).isNull();
        assertThat(QueryParams.first("", "userId")).isNull();
        assertThat(QueryParams.first("&&userId=ada&", "userId")).isEqualTo("ada");
    }

    @Test
    void decodesPercentEscapesAndPlusInValuesAndNames() {
        assertThat(QueryParams.first("userId=ad%C3%A9+le%2Bx", "userId")).isEqualTo("adé le+x");
        assertThat(QueryParams.first("%75serId=ada", "userId")).isEqualTo("ada");
        assertThat(QueryParams.first("userId=a=b", "userId")).isEqualTo("a=b");
    }

    @Test
    void refusesAMalformedEscapeInTheValueItReadsOnly() {
        assertThatThrownBy(() -> QueryParams.first("userId=ad%zz", "userId")).isInstanceOf(ClientError.class)
                .satisfies(e -> assertThat(((ClientError) e).field()).isEqualTo("userId"));
        assertThat(QueryParams.first("other=%zz&%zz=1&userId=ada", "userId")).isEqualTo("ada");
    }
}
