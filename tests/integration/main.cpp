#define BOOST_TEST_MODULE litmus_proxy_integration
#include <boost/test/unit_test.hpp>
