from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("sign-in/code/", views.two_factor_code, name="two-factor-code"),
    path("signed-out/", views.signed_out, name="signed-out"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password-reset-complete"),
]
urlpatterns += [
    path("users/", views.user_list, name="user-list"),
    path("users/add/", views.user_add, name="user-add"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("account/", views.account, name="account"),
    path("users/<int:pk>/two-factor/reset/", views.user_two_factor_reset, name="user-two-factor-reset"),
    path("account/password/", views.password_change, name="password-change"),
    path("account/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("account/two-factor/turn-off/", views.two_factor_turn_off, name="two-factor-turn-off"),
    path("account/tokens/", views.token_list, name="token-list"),
    path("account/tokens/new/", views.token_create, name="token-create"),
    path("account/tokens/<int:pk>/revoke/", views.token_revoke, name="token-revoke"),
]
