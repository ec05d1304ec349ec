#define BOOST_TEST_MODULE litmus_proxy_postgres
#include <boost/test/unit_test.hpp>
