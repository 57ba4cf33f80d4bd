import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'liaison:public';

/** Marks a controller or route that needs no access token (health, discovery, the token endpoint). */
export const Public = (): ClassDecorator & MethodDecorator => SetMetadata(IS_PUBLIC, true);
