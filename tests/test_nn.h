/*
 * test_nn.h: the cases of tests/test_nn split across files (test_nn.c holds
 * main, the BLAS-vs-naive, loss, dropout and optimizer cases;
 * test_nn_grad.c the finite-difference gradient checks of every layer).
 */
#ifndef MOESPEC_TEST_NN_H
#define MOESPEC_TEST_NN_H

void test_fd_linear(void **state);
void test_fd_layernorm(void **state);
void test_fd_layernorm_relu_dropout(void **state);
void test_fd_relu(void **state);
void test_fd_dropout(void **state);
void test_fd_embedding(void **state);
void test_fd_softmax_ce(void **state);
void test_fd_bce(void **state);

#endif
